#include "commands/evolve.hpp"

#include <unordered_map>

#include "commands/permissions.hpp"
#include "core/blind_index.hpp"
#include "core/json.hpp"
#include "events/event_types.hpp"

namespace regent::commands {
namespace {
namespace types = events::types;
using simdjson::dom::element;

// A list of strings; empty when absent.
std::vector<std::string> strings(element list) {
  std::vector<std::string> out;
  simdjson::dom::array a;
  if (list.get(a) == simdjson::SUCCESS)
    for (auto v : a) out.emplace_back(std::string_view(v));
  return out;
}

// The email's blind index: from the clear email in an event from before sealing (so that an index
// key changed since, or an event from before the index was recorded, is indexed as decisions are
// made now), else as the event records it.
std::string index_of(element d, const core::Sealed& email) {
  if (!email.empty() && !core::is_sealed(email.value)) return core::email_index(email.value);
  std::string_view recorded;
  if (d["email_index"].get(recorded) == simdjson::SUCCESS) return std::string(recorded);
  return {};
}

// A personal field as the event carries it, bound to the event.
core::Sealed sealed(element o, std::string_view field, const events::Envelope& e) {
  return core::Sealed{core::get_text(o, field), e.id};
}

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
  u.password_hash = sealed(d, "password_hash", e);
  std::string_view parent;
  if (d["parent_user_id"].get(parent) == simdjson::SUCCESS) u.parent_user_id = std::string(parent);
  u.roles = strings(d["roles"]);
  element personal;
  if (d["personal"].get(personal) == simdjson::SUCCESS) {
    u.email = sealed(personal, "email", e);
    u.full_name = sealed(personal, "full_name", e);
  }
  u.email_index = index_of(d, u.email);
  u.version = e.sequence;
  u.created_at = u.updated_at = u.wallet.updated_at = e.time;
  t.user_by_email[u.email_index] = u.id;
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

// Erased for good: what the state kept of its personal data goes (sealed as it was), its email can
// be a new user's, and its sign-ins end.
void user_erased(TenantState& t, const events::Envelope& e, element d) {
  auto it = t.users.find(core::UserId{core::get_text(d, "user_id")});
  if (it == t.users.end()) return;
  UserState& u = it->second;
  if (auto held = t.user_by_email.find(u.email_index); held != t.user_by_email.end() && held->second == u.id)
    t.user_by_email.erase(held);
  u.status = "erased";
  u.email = u.full_name = u.password_hash = core::Sealed{};
  u.email_index.clear();
  u.version = e.sequence;
  u.updated_at = e.time;
  for (const auto& id : u.sessions)
    if (auto s = t.sessions.find(id); s != t.sessions.end() && s->second.revoked.empty()) s->second.revoked = "user_erased";
  for (auto& [id, inv] : t.invitations)
    if (inv.invitee == u.id) inv.email = core::Sealed{};
  for (auto& [id, p] : t.permissions)
    if (p.user_id == u.id) p.reason = p.decision_reason = core::Sealed{};
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

UserState* user_of(TenantState& t, element d) {
  auto it = t.users.find(core::UserId{core::get_text(d, "user_id")});
  return it == t.users.end() ? nullptr : &it->second;
}

void touch(UserState& u, const events::Envelope& e) {
  u.version = e.sequence;
  u.updated_at = e.time;
}

void user_updated(TenantState& t, const events::Envelope& e, element d) {
  UserState* u = user_of(t, d);
  if (!u) return;
  element personal;
  if (d["personal"].get(personal) == simdjson::SUCCESS) {
    if (auto email = core::get_string(personal, "email")) {
      t.user_by_email.erase(u->email_index);
      u->email = core::Sealed{std::string(*email), e.id};
      u->email_index = index_of(d, u->email);
      t.user_by_email[u->email_index] = u->id;
    }
    if (auto name = core::get_string(personal, "full_name")) u->full_name = core::Sealed{std::string(*name), e.id};
  }
  touch(*u, e);
}

void role_changed(TenantState& t, const events::Envelope& e, element d) {
  UserState* u = user_of(t, d);
  if (!u) return;
  std::string role = core::get_text(d, "role");
  std::erase(u->roles, role);
  if (e.type == types::user_role_assigned) u->roles.push_back(role);
  touch(*u, e);
}

// A new invitation; invitations past their expiry are forgotten here, accepted, revoked or not, so
// the state holds what can still be accepted or revoked and what was settled within those 7 days.
void invitation_created(TenantState& t, const events::Envelope& e, element d) {
  int64_t now = core::parse_rfc3339(e.time).value_or(0);
  std::erase_if(t.invitations, [&](const auto& kv) {
    if (now < kv.second.expires_at) return false;
    t.invitation_by_token_hash.erase(kv.second.token_hash);
    return true;
  });
  InvitationState inv;
  inv.id = core::get_text(d, "invitation_id");
  inv.roles = strings(d["roles"]);
  inv.token_hash = core::get_text(d, "token_hash");
  inv.expires_at = core::parse_rfc3339(core::get_text(d, "expires_at")).value_or(0);
  element personal;
  if (d["personal"].get(personal) == simdjson::SUCCESS) inv.email = sealed(personal, "email", e);
  inv.invitee = core::UserId{core::get_text(d, "user_id")};
  inv.email_index = index_of(d, inv.email);
  inv.version = e.sequence;
  t.invitation_by_token_hash[inv.token_hash] = inv.id;
  auto id = inv.id;
  t.invitations[id] = std::move(inv);
}

void invitation_settled(TenantState& t, const events::Envelope& e, element d) {
  auto it = t.invitations.find(core::get_text(d, "invitation_id"));
  if (it == t.invitations.end()) return;
  it->second.status = e.type == types::invitation_accepted ? "accepted" : "revoked";
  it->second.version = e.sequence;
}

void api_key_created(TenantState& t, const events::Envelope& e, element d) {
  ApiKeyState key;
  key.id = core::get_text(d, "api_key_id");
  key.name = core::get_text(d, "name");
  key.prefix = core::get_text(d, "prefix");
  key.scopes = strings(d["scopes"]);
  key.key_hash = core::get_text(d, "key_hash");
  key.expires_at = core::parse_rfc3339(core::get_text(d, "expires_at")).value_or(0);
  key.version = e.sequence;
  t.api_key_by_hash[key.key_hash] = key.id;
  auto id = key.id;
  t.api_keys[id] = std::move(key);
}

void api_key_changed(TenantState& t, const events::Envelope& e, element d) {
  auto it = t.api_keys.find(core::get_text(d, "api_key_id"));
  if (it == t.api_keys.end()) return;
  ApiKeyState& key = it->second;
  if (e.type == types::api_key_revoked) key.revoked = true;
  else key.last_used_at = core::parse_rfc3339(e.time).value_or(0);
  key.version = e.sequence;
}

core::Sealed personal_reason(element d, const events::Envelope& e) {
  element personal;
  return d["personal"].get(personal) == simdjson::SUCCESS ? sealed(personal, "reason", e) : core::Sealed{};
}

void permission_requested(TenantState& t, const events::Envelope& e, element d) {
  PermissionState p;
  p.id = core::get_text(d, "permission_id");
  p.user_id = core::UserId{core::get_text(d, "user_id")};
  p.resource = core::get_text(d, "resource");
  p.level = core::get_text(d, "level");
  p.reason = personal_reason(d, e);
  p.requested_by = e.actor_id;
  p.requested_at = e.time;
  p.expires_at = core::parse_rfc3339(core::get_text(d, "expires_at")).value_or(0);
  p.version = e.sequence;
  auto id = p.id;
  t.permissions[id] = std::move(p);
}

void permission_changed(TenantState& t, const events::Envelope& e, element d) {
  auto it = t.permissions.find(core::get_text(d, "permission_id"));
  if (it == t.permissions.end()) return;
  PermissionState& p = it->second;
  p.status = status_after(e.type);
  if (e.type != types::permission_expired) {
    p.decided_by = e.actor_id;
    p.decided_at = e.time;
    if (e.type == types::permission_approved) p.expires_at = core::parse_rfc3339(core::get_text(d, "expires_at")).value_or(0);
    else p.decision_reason = personal_reason(d, e);
  }
  p.version = e.sequence;
}

using TenantEvolver = void (*)(TenantState&, const events::Envelope&, element);

// The write side's reaction to each event type that changes what it decides on; other types
// (activity.recorded) leave the state as it is.
const std::unordered_map<std::string_view, TenantEvolver>& evolvers() {
  static const std::unordered_map<std::string_view, TenantEvolver> table = {
      {types::user_created, user_created},
      {types::tenant_renamed, tenant_changed},
      {types::tenant_settings_changed, tenant_changed},
      {types::user_logged_in, session_started},
      {types::session_refreshed, session_changed},
      {types::session_revoked, session_changed},
      {types::user_deactivated, user_status_changed},
      {types::user_reactivated, user_status_changed},
      {types::user_updated, user_updated},
      {types::user_erased, user_erased},
      {types::user_role_assigned, role_changed},
      {types::user_role_revoked, role_changed},
      {types::invitation_created, invitation_created},
      {types::invitation_accepted, invitation_settled},
      {types::invitation_revoked, invitation_settled},
      {types::api_key_created, api_key_created},
      {types::api_key_revoked, api_key_changed},
      {types::api_key_used, api_key_changed},
      {types::permission_requested, permission_requested},
      {types::permission_approved, permission_changed},
      {types::permission_rejected, permission_changed},
      {types::permission_revoked, permission_changed},
      {types::permission_expired, permission_changed},
      {types::wallet_credited, wallet_moved},
      {types::wallet_debited, wallet_moved},
  };
  return table;
}
}  // namespace

void evolve(PartitionState& s, const events::Envelope& e) {
  bool creates_tenant = e.type == types::tenant_created;
  auto evolver = evolvers().find(e.type);
  if (!creates_tenant && evolver == evolvers().end()) return;
  auto doc = core::JsonDocument::parse(e.data);
  if (!doc) return;
  if (creates_tenant) return tenant_created(s, e, doc->root());
  TenantState* t = tenant_of(s, e);
  if (t) evolver->second(*t, e, doc->root());
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
