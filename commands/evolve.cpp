#include "commands/evolve.hpp"

#include "core/json.hpp"
#include "events/event_types.hpp"

namespace regent::commands {
namespace {
namespace types = events::types;
using simdjson::dom::element;

TenantState* tenant_of(PartitionState& s, const events::Envelope& e) {
  auto it = s.tenants.find(core::TenantId{e.tenant_id});
  return it == s.tenants.end() ? nullptr : &it->second;
}

void read_settings(TenantSettings& out, element settings) {
  out.currency = core::get_text(settings, "currency");
  out.max_users = core::get_int(settings, "max_users").value_or(out.max_users);
  simdjson::dom::object costs;
  if (settings["activity_costs"].get(costs) == simdjson::SUCCESS) {
    out.activity_costs.clear();
    for (auto kv : costs) out.activity_costs[std::string(kv.key)] = int64_t(kv.value);
  }
}

void tenant_created(PartitionState& s, const events::Envelope& e, element d) {
  TenantState t;
  t.id = core::TenantId{core::get_text(d, "tenant_id")};
  t.name = core::get_text(d, "name");
  t.slug = core::get_text(d, "slug");
  element settings;
  if (d["settings"].get(settings) == simdjson::SUCCESS) read_settings(t.settings, settings);
  t.version = e.sequence;
  t.created_at = t.updated_at = e.time;
  s.tenant_by_slug[t.slug] = t.id;
  auto id = t.id;
  s.tenants[id] = std::move(t);
}

void tenant_changed(TenantState& t, const events::Envelope& e, element d) {
  if (e.type == types::tenant_renamed) {
    t.name = core::get_text(d, "name");
  } else {
    element settings;
    if (d["settings"].get(settings) == simdjson::SUCCESS) read_settings(t.settings, settings);
  }
  t.version = e.sequence;
  t.updated_at = e.time;
}

void user_created(TenantState& t, const events::Envelope& e, element d) {
  UserState u;
  u.id = core::UserId{core::get_text(d, "user_id")};
  u.password_hash = core::get_text(d, "password_hash");
  std::string_view parent;
  if (d["parent_user_id"].get(parent) == simdjson::SUCCESS) u.parent_user_id = std::string(parent);
  for (auto r : simdjson::dom::array(d["roles"])) u.roles.emplace_back(std::string_view(r));
  element personal;
  if (d["personal"].get(personal) == simdjson::SUCCESS) {
    u.email = core::get_text(personal, "email");
    u.full_name = core::get_text(personal, "full_name");
  }
  u.version = e.sequence;
  u.created_at = u.updated_at = u.wallet.updated_at = e.time;
  t.user_by_email[lower(u.email)] = u.id;
  auto id = u.id;
  t.users[id] = std::move(u);
}

// A sign-in; the user's sign-ins whose refresh tokens have expired are forgotten here, so the state
// holds only what can still be refreshed or must still be refused.
void session_started(TenantState& t, const events::Envelope& e, element d) {
  auto user = t.users.find(core::UserId{core::get_text(d, "user_id")});
  if (user == t.users.end()) return;
  int64_t now = core::parse_rfc3339(e.time).value_or(0);
  auto& ids = user->second.sessions;
  std::erase_if(ids, [&](const std::string& id) {
    auto it = t.sessions.find(id);
    if (it == t.sessions.end()) return true;
    if (it->second.expires_at > now) return false;
    t.session_by_refresh_hash.erase(it->second.refresh_hash);
    for (const auto& [hash, at] : it->second.spent) t.session_by_refresh_hash.erase(hash);
    t.sessions.erase(it);
    return true;
  });
  SessionState session;
  session.id = core::get_text(d, "session_id");
  session.user_id = user->first;
  session.refresh_hash = core::get_text(d, "refresh_token_hash");
  // Sign-ins recorded before refresh tokens existed end with their access token.
  session.expires_at = core::parse_rfc3339(core::get_text(d, "expires_at")).value_or(now + 15 * 60 * 1000);
  if (!session.refresh_hash.empty()) t.session_by_refresh_hash[session.refresh_hash] = session.id;
  ids.push_back(session.id);
  t.sessions[session.id] = std::move(session);
}

// A deactivated user's sign-ins end with it: reactivating does not bring them back.
void user_status_changed(TenantState& t, const events::Envelope& e, element d) {
  auto it = t.users.find(core::UserId{core::get_text(d, "user_id")});
  if (it == t.users.end()) return;
  UserState& u = it->second;
  bool active = e.type == types::user_reactivated;
  u.status = active ? "active" : "deactivated";
  u.version = e.sequence;
  u.updated_at = e.time;
  if (!active)
    for (const auto& id : u.sessions)
      if (auto s = t.sessions.find(id); s != t.sessions.end() && s->second.revoked.empty())
        s->second.revoked = "user_deactivated";
}

void session_changed(TenantState& t, const events::Envelope& e, element d) {
  auto it = t.sessions.find(core::get_text(d, "session_id"));
  if (it == t.sessions.end()) return;
  SessionState& session = it->second;
  if (e.type == types::session_refreshed) {
    if (!session.refresh_hash.empty()) session.spent[session.refresh_hash] = core::parse_rfc3339(e.time).value_or(0);
    session.refresh_hash = core::get_text(d, "refresh_token_hash");
    t.session_by_refresh_hash[session.refresh_hash] = session.id;
  } else {
    session.revoked = core::get_text(d, "reason");
  }
}

// Balances move by the event's amount, so the tenant's totals and its balances cannot drift apart.
void wallet_moved(TenantState& t, const events::Envelope& e, element d) {
  auto it = t.users.find(core::UserId{core::get_text(d, "user_id")});
  auto amount = core::get_int(d, "amount");
  if (it == t.users.end() || !amount) return;
  WalletState& w = it->second.wallet;
  if (e.type == types::wallet_credited) {
    w.balance += *amount;
    t.credited += *amount;
  } else {
    w.balance -= *amount;
    t.debited += *amount;
  }
  w.version = e.sequence;
  w.updated_at = e.time;
  ++t.transactions;
}
}  // namespace

void evolve(PartitionState& s, const events::Envelope& e) {
  bool tenant_event = e.type == types::tenant_renamed || e.type == types::tenant_settings_changed;
  bool wallet_event = e.type == types::wallet_credited || e.type == types::wallet_debited;
  bool session_event = e.type == types::session_refreshed || e.type == types::session_revoked;
  bool login = e.type == types::user_logged_in;
  bool status_event = e.type == types::user_deactivated || e.type == types::user_reactivated;
  if (e.type != types::tenant_created && e.type != types::user_created && !tenant_event && !wallet_event &&
      !session_event && !login && !status_event)
    return;
  auto doc = core::JsonDocument::parse(e.data);
  if (!doc) return;
  if (e.type == types::tenant_created) return tenant_created(s, e, doc->root());
  TenantState* t = tenant_of(s, e);
  if (!t) return;
  if (e.type == types::user_created) user_created(*t, e, doc->root());
  else if (tenant_event) tenant_changed(*t, e, doc->root());
  else if (login) session_started(*t, e, doc->root());
  else if (session_event) session_changed(*t, e, doc->root());
  else if (status_event) user_status_changed(*t, e, doc->root());
  else wallet_moved(*t, e, doc->root());
}

IdempotencyIndex* key_index(PartitionState& s, const std::string& scope) {
  if (scope.empty()) return &s.signups;
  auto it = s.tenants.find(core::TenantId{scope});
  return it == s.tenants.end() ? nullptr : &it->second.idempotency;
}

IdempotencyRecord* find_key(PartitionState& s, const std::string& scope, const std::string& key, core::UnixMillis now) {
  IdempotencyIndex* index = key_index(s, scope);
  return index ? index->find(key, now) : nullptr;
}

void remember_key(PartitionState& s, const events::Envelope& e, std::optional<Position> at) {
  if (e.idempotency_key.empty()) return;
  core::UnixMillis time = core::parse_rfc3339(e.time).value_or(0);
  // The events of one command share their key, request hash and time: they join one record.
  auto same_command = [&](const IdempotencyRecord* r) {
    return r && r->request_hash == e.request_hash && r->at == time && r->tenant_id == e.tenant_id;
  };
  IdempotencyIndex* index = nullptr;
  IdempotencyRecord* record = nullptr;
  if (e.type == types::tenant_created) {
    index = &s.signups;
  } else if (auto* r = s.signups.find(e.idempotency_key, time); same_command(r)) {
    record = r;  // the admin created with a new tenant
  } else {
    auto it = s.tenants.find(core::TenantId{e.tenant_id});
    if (it == s.tenants.end()) return;
    index = &it->second.idempotency;
    if (auto* r2 = index->find(e.idempotency_key, time); same_command(r2)) record = r2;
  }
  if (!record) {
    IdempotencyRecord fresh;
    fresh.request_hash = e.request_hash;
    fresh.at = time;
    fresh.tenant_id = e.tenant_id;
    record = &index->add(e.idempotency_key, std::move(fresh));
  }
  record->events.push_back(e);
  record->pending = !at.has_value();
  if (at) record->position = *at;
}

}  // namespace regent::commands
