#include "commands/snapshot.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "commands/decide.hpp"
#include "core/blind_index.hpp"
#include "core/json.hpp"

namespace regent::commands {
namespace {
using boost::json::array;
using boost::json::object;
using simdjson::dom::element;

std::string big_to_string(BigSum v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  std::string out;
  while (v != 0) {
    int digit = static_cast<int>(v % 10);
    out += static_cast<char>('0' + (negative ? -digit : digit));
    v /= 10;
  }
  if (negative) out += '-';
  std::reverse(out.begin(), out.end());
  return out;
}

BigSum big_from_string(std::string_view s) {
  BigSum v = 0;
  bool negative = !s.empty() && s[0] == '-';
  for (char c : s.substr(negative ? 1 : 0)) v = v * 10 + (c - '0');
  return negative ? -v : v;
}

template <class Map>
std::vector<typename Map::key_type> sorted_keys(const Map& m) {
  std::vector<typename Map::key_type> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  return keys;
}

array records_json(const IdempotencyIndex& index) {
  array out;
  for (const auto& key : sorted_keys(index.records())) {
    const auto& r = index.records().at(key);
    if (r.refusal || r.pending) continue;
    array events;
    for (const auto& e : r.events) events.emplace_back(events::to_json(e));
    out.push_back(object{{"key", key},
                         {"request_hash", r.request_hash},
                         {"at", r.at},
                         {"tenant_id", r.tenant_id},
                         {"offset", r.position.offset},
                         {"events", events}});
  }
  return out;
}

object session_json(const SessionState& s) {
  array spent;
  for (const auto& [hash, at] : s.spent) spent.push_back(object{{"hash", hash}, {"at", at}});
  return {{"id", s.id},
          {"user_id", s.user_id.value},
          {"refresh_hash", s.refresh_hash},
          {"spent", spent},
          {"expires_at", s.expires_at},
          {"revoked", s.revoked}};
}

// A sealed personal value and the event it is bound to.
object sealed_json(const core::Sealed& v) { return {{"value", v.value}, {"event_id", v.event_id}}; }

object user_json(const UserState& u) {
  array roles;
  for (const auto& r : u.roles) roles.emplace_back(r);
  array sessions;
  for (const auto& id : u.sessions) sessions.emplace_back(id);
  return {{"id", u.id.value},
          {"sessions", sessions},
          {"email", sealed_json(u.email)},
          {"email_index", u.email_index},
          {"full_name", sealed_json(u.full_name)},
          {"roles", roles},
          {"status", u.status},
          {"parent_user_id", u.parent_user_id},
          {"password_hash", sealed_json(u.password_hash)},
          {"version", u.version},
          {"created_at", u.created_at},
          {"updated_at", u.updated_at},
          {"wallet", object{{"balance", u.wallet.balance}, {"version", u.wallet.version}, {"updated_at", u.wallet.updated_at}}}};
}

array strings_json(const std::vector<std::string>& list) {
  array out;
  for (const auto& v : list) out.emplace_back(v);
  return out;
}

object invitation_json(const InvitationState& i) {
  return {{"id", i.id},         {"invitee", i.invitee.value}, {"email", sealed_json(i.email)},   {"email_index", i.email_index},   {"roles", strings_json(i.roles)}, {"token_hash", i.token_hash},
          {"expires_at", i.expires_at}, {"status", i.status}, {"version", i.version}};
}

object api_key_json(const ApiKeyState& k) {
  return {{"id", k.id},
          {"name", k.name},
          {"prefix", k.prefix},
          {"scopes", strings_json(k.scopes)},
          {"key_hash", k.key_hash},
          {"expires_at", k.expires_at},
          {"last_used_at", k.last_used_at},
          {"revoked", k.revoked},
          {"version", k.version}};
}

object permission_json(const PermissionState& p) {
  return {{"id", p.id},
          {"user_id", p.user_id.value},
          {"resource", p.resource},
          {"level", p.level},
          {"status", p.status},
          {"reason", sealed_json(p.reason)},
          {"requested_by", p.requested_by},
          {"decided_by", p.decided_by},
          {"decision_reason", sealed_json(p.decision_reason)},
          {"requested_at", p.requested_at},
          {"decided_at", p.decided_at},
          {"expires_at", p.expires_at},
          {"version", p.version}};
}

object tenant_json(const TenantState& t) {
  array users;
  for (const auto& id : sorted_keys(t.users)) users.push_back(user_json(t.users.at(id)));
  array sessions;
  for (const auto& id : sorted_keys(t.sessions)) sessions.push_back(session_json(t.sessions.at(id)));
  array invitations;
  for (const auto& id : sorted_keys(t.invitations)) invitations.push_back(invitation_json(t.invitations.at(id)));
  array keys;
  for (const auto& id : sorted_keys(t.api_keys)) keys.push_back(api_key_json(t.api_keys.at(id)));
  array permissions;
  for (const auto& id : sorted_keys(t.permissions)) permissions.push_back(permission_json(t.permissions.at(id)));
  return {{"id", t.id.value},
          {"sessions", sessions},
          {"invitations", invitations},
          {"api_keys", keys},
          {"permissions", permissions},
          {"name", t.name},
          {"slug", t.slug},
          {"settings", settings_json(t.settings)},
          {"version", t.version},
          {"created_at", t.created_at},
          {"updated_at", t.updated_at},
          {"credited", big_to_string(t.credited)},
          {"debited", big_to_string(t.debited)},
          {"transactions", t.transactions},
          {"users", users},
          {"idempotency", records_json(t.idempotency)}};
}

// Fails (as an exception, caught once below) on any field that is missing or of another type.
std::string text(element e, std::string_view key) { return std::string(std::string_view(e[key])); }
int64_t number(element e, std::string_view key) { return int64_t(e[key]); }
std::vector<std::string> texts(element e, std::string_view key) {
  std::vector<std::string> out;
  for (element v : simdjson::dom::array(e[key])) out.emplace_back(std::string_view(v));
  return out;
}

void read_records(element list, int32_t partition, IdempotencyIndex& index) {
  std::vector<std::pair<std::string, IdempotencyRecord>> records;
  for (element r : simdjson::dom::array(list)) {
    IdempotencyRecord rec;
    rec.request_hash = text(r, "request_hash");
    rec.at = number(r, "at");
    rec.tenant_id = text(r, "tenant_id");
    rec.position = Position{partition, number(r, "offset")};
    for (element e : simdjson::dom::array(r["events"])) {
      auto env = events::parse_envelope(std::string_view(e));
      if (!env) throw std::runtime_error("a remembered event does not parse");
      rec.events.push_back(std::move(env.value()));
    }
    records.emplace_back(text(r, "key"), std::move(rec));
  }
  // Oldest first, so that expiry finds them in order.
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
  for (auto& [key, rec] : records) index.add(key, std::move(rec));
}

core::Sealed read_sealed(element o, std::string_view field) {
  element v = o[field];
  return core::Sealed{text(v, "value"), text(v, "event_id")};
}

// Indexed under the key of now while the email is at hand (commands/evolve.cpp does the same).
std::string index_of(element o, const core::Sealed& email) {
  return email.empty() || core::is_sealed(email.value) ? text(o, "email_index") : core::email_index(email.value);
}

UserState read_user(element u) {
  UserState out;
  out.id = core::UserId{text(u, "id")};
  out.email = read_sealed(u, "email");
  out.email_index = index_of(u, out.email);
  out.full_name = read_sealed(u, "full_name");
  for (element r : simdjson::dom::array(u["roles"])) out.roles.emplace_back(std::string_view(r));
  for (element id : simdjson::dom::array(u["sessions"])) out.sessions.emplace_back(std::string_view(id));
  out.status = text(u, "status");
  out.parent_user_id = text(u, "parent_user_id");
  out.password_hash = read_sealed(u, "password_hash");
  out.version = number(u, "version");
  out.created_at = text(u, "created_at");
  out.updated_at = text(u, "updated_at");
  element w = u["wallet"];
  out.wallet.balance = number(w, "balance");
  out.wallet.version = number(w, "version");
  out.wallet.updated_at = text(w, "updated_at");
  return out;
}

TenantState read_tenant(element t, int32_t partition) {
  TenantState out;
  out.id = core::TenantId{text(t, "id")};
  out.name = text(t, "name");
  out.slug = text(t, "slug");
  element settings = t["settings"];
  out.settings.currency = text(settings, "currency");
  out.settings.max_users = number(settings, "max_users");
  out.settings.activity_costs.clear();
  for (auto kv : simdjson::dom::object(settings["activity_costs"])) out.settings.activity_costs[std::string(kv.key)] = int64_t(kv.value);
  out.version = number(t, "version");
  out.created_at = text(t, "created_at");
  out.updated_at = text(t, "updated_at");
  out.credited = big_from_string(text(t, "credited"));
  out.debited = big_from_string(text(t, "debited"));
  out.transactions = number(t, "transactions");
  for (element u : simdjson::dom::array(t["users"])) {
    UserState user = read_user(u);
    out.user_by_email[user.email_index] = user.id;
    auto id = user.id;
    out.users[id] = std::move(user);
  }
  for (element s : simdjson::dom::array(t["sessions"])) {
    SessionState session;
    session.id = text(s, "id");
    session.user_id = core::UserId{text(s, "user_id")};
    session.refresh_hash = text(s, "refresh_hash");
    for (element spent : simdjson::dom::array(s["spent"])) {
      session.spent[text(spent, "hash")] = number(spent, "at");
      out.session_by_refresh_hash[text(spent, "hash")] = session.id;
    }
    session.expires_at = number(s, "expires_at");
    session.revoked = text(s, "revoked");
    if (!session.refresh_hash.empty()) out.session_by_refresh_hash[session.refresh_hash] = session.id;
    auto id = session.id;
    out.sessions[id] = std::move(session);
  }
  for (element i : simdjson::dom::array(t["invitations"])) {
    InvitationState inv{text(i, "id"),         core::UserId{text(i, "invitee")}, read_sealed(i, "email"),
                        text(i, "email_index"), texts(i, "roles"),              text(i, "token_hash"),
                        number(i, "expires_at"), text(i, "status"),              number(i, "version")};
    inv.email_index = index_of(i, inv.email);
    out.invitation_by_token_hash[inv.token_hash] = inv.id;
    auto id = inv.id;
    out.invitations[id] = std::move(inv);
  }
  for (element k : simdjson::dom::array(t["api_keys"])) {
    ApiKeyState key{text(k, "id"),           text(k, "name"),         text(k, "prefix"),
                    texts(k, "scopes"),      text(k, "key_hash"),     number(k, "expires_at"),
                    number(k, "last_used_at"), bool(k["revoked"]),    number(k, "version")};
    out.api_key_by_hash[key.key_hash] = key.id;
    auto id = key.id;
    out.api_keys[id] = std::move(key);
  }
  for (element p : simdjson::dom::array(t["permissions"])) {
    PermissionState perm{text(p, "id"),          core::UserId{text(p, "user_id")}, text(p, "resource"),
                         text(p, "level"),       text(p, "status"),                read_sealed(p, "reason"),
                         text(p, "requested_by"), text(p, "decided_by"),           read_sealed(p, "decision_reason"),
                         text(p, "requested_at"), text(p, "decided_at"),           number(p, "expires_at"),
                         number(p, "version")};
    auto id = perm.id;
    out.permissions[id] = std::move(perm);
  }
  read_records(t["idempotency"], partition, out.idempotency);
  return out;
}
}  // namespace

std::string encode_snapshot(const PartitionState& s) {
  array tenants;
  for (const auto& id : sorted_keys(s.tenants)) tenants.push_back(tenant_json(s.tenants.at(id)));
  object doc{{"format", kSnapshotFormat},
             {"partition", s.partition},
             {"next_offset", s.next_offset},
             {"last_event_id", s.last_event_id},
             {"fence", object{{"writer_id", s.fence.writer_id}, {"epoch", s.fence.epoch}, {"last_id", s.fence.last_id}, {"url", s.fence.url}}},
             {"tenants", tenants},
             {"signups", records_json(s.signups)}};
  return core::to_json(doc);
}

core::Result<PartitionState> decode_snapshot(std::string_view text_in) {
  auto doc = core::JsonDocument::parse(text_in);
  if (!doc) return core::make_error(core::errc::invalid_json, "the snapshot is not JSON");
  try {
    element root = doc->root();
    if (number(root, "format") != kSnapshotFormat)
      return core::make_error(core::errc::validation_failed, "the snapshot's format is not this version's");
    PartitionState s;
    s.partition = static_cast<int32_t>(number(root, "partition"));
    s.next_offset = number(root, "next_offset");
    s.last_event_id = text(root, "last_event_id");
    s.fence.writer_id = text(root["fence"], "writer_id");
    s.fence.epoch = number(root["fence"], "epoch");
    s.fence.last_id = text(root["fence"], "last_id");
    s.fence.url = text(root["fence"], "url");
    for (element t : simdjson::dom::array(root["tenants"])) {
      TenantState tenant = read_tenant(t, s.partition);
      s.tenant_by_slug[tenant.slug] = tenant.id;
      auto id = tenant.id;
      s.tenants[id] = std::move(tenant);
    }
    read_records(root["signups"], s.partition, s.signups);
    return s;
  } catch (const std::exception& ex) {
    return core::make_error(core::errc::validation_failed, std::string("the snapshot is damaged: ") + ex.what());
  }
}

}  // namespace regent::commands
