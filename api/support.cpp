#include "api/support.hpp"

#include <algorithm>
#include <charconv>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "api/api_keys.hpp"
#include "api/jwt.hpp"
#include "api/personal.hpp"
#include "api/verified_tokens.hpp"
#include "api/problem.hpp"
#include "api/service_tokens.hpp"
#include "commands/evolve.hpp"
#include "commands/position.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/password.hpp"
#include "events/event_types.hpp"
#include "projections/checkpoints.hpp"

namespace regent::api {
namespace {
const core::Logger logger("api");
core::Error unauthenticated() { return core::make_error(core::errc::unauthenticated, "missing or invalid credentials"); }
}  // namespace

Response forbidden(const Ctx& ctx, std::string message) {
  return problem(core::errc::forbidden, std::move(message), ctx.rid());
}

bool Principal::has_any(std::initializer_list<std::string_view> wanted) const {
  for (auto w : wanted)
    if (std::find(roles.begin(), roles.end(), w) != roles.end()) return true;
  return false;
}

namespace {
// Where the caller acts: its own tenant, or, for a super_admin, the one ?tenant= or Regent-Tenant
// names (by id or slug). Anyone else naming a tenant other than its own is refused, rather than
// answered from its own tenant as if it were the one named.
core::Result<Principal> acting_tenant(Ctx& ctx, Principal p) {
  std::string acting;
  if (auto it = ctx.req.query.find("tenant"); it != ctx.req.query.end()) acting = it->second;
  else if (auto h = ctx.req.header("regent-tenant")) acting = *h;
  if (!acting.empty()) {
    auto& proc = ctx.svc.processor;
    bool by_id = core::is_uuid(acting);
    int32_t partition = by_id ? proc.partition_of(core::TenantId{acting}) : proc.partition_of_slug(acting);
    std::optional<core::TenantId> found;
    proc.read(partition, [&](const commands::PartitionState& s) {
      const auto* t = by_id ? s.tenant(core::TenantId{acting}) : s.tenant_by(acting);
      if (t) found = t->id;
    });
    if (found != p.home_tenant) {
      if (!p.super_admin) return core::make_error(core::errc::forbidden, "only a super_admin acts in another tenant");
      if (!found) return core::make_error(core::errc::not_found, "no such tenant");
    }
    p.tenant = *found;
  }
  ctx.tenant_id = p.tenant.value;
  return p;
}

// The key's principal, if the key is one the tenant's state holds and may still be used. Its use
// is recorded at most once a minute (api_key.used), by the instance that writes to its partition
// (every request is served there: api/forwarder.hpp).
core::Result<Principal> key_principal(Ctx& ctx, std::string_view key) {
  auto tenant = api_key_tenant(key);
  if (!tenant) return unauthenticated();
  std::string hash = api_key_hash(ctx.svc, key);
  int64_t now = core::now_millis();
  Principal p;
  bool due = false;
  auto& proc = ctx.svc.processor;
  int32_t partition = proc.partition_of(*tenant);
  proc.read(partition, [&](const commands::PartitionState& s) {
    const auto* t = s.tenant(*tenant);
    const auto* k = t ? t->api_key_by(hash) : nullptr;
    // Found by its keyed hash: timing can tell at most how much of an HMAC matched, never of the key.
    if (!k || !k->usable(now)) return;
    p.api_key_id = k->id;
    p.scopes = k->scopes;
    due = k->last_used_at == 0 || now - k->last_used_at >= commands::kKeyUseEveryMs;
  });
  if (!p.api_key()) return unauthenticated();
  p.home_tenant = p.tenant = *tenant;
  if (due && proc.owner_of(partition).local) {
    commands::Context use;
    use.actor_id = p.api_key_id;
    use.actor_type = "api_key";
    use.actor_scopes = p.scopes;
    use.request_id = ctx.req.request_id;
    use.now = now;
    // Best effort: a request is not refused because its key's last use could not be recorded.
    auto done = proc.submit(partition, commands::RecordKeyUse{*tenant, p.api_key_id}, use);
    if (!done) logger.debug("an API key's use was not recorded", {{"reason", done.error().detail}});
  }
  ctx.actor_id = p.api_key_id;
  return acting_tenant(ctx, std::move(p));
}
}  // namespace

core::Result<Principal> authenticate(Ctx& ctx) {
  auto header = ctx.req.header("authorization");
  if (!header || header->size() < 8 || header->compare(0, 7, "Bearer ") != 0) return unauthenticated();
  std::string_view token = std::string_view(*header).substr(7);
  if (looks_like_api_key(token)) return key_principal(ctx, token);
  if (looks_like_service_token(token)) {
    auto tenant = verify_service_token(ctx.svc.config.jwt_secret, token, core::now_millis() / 1000);
    if (!tenant) return unauthenticated();
    Principal p;
    p.home_tenant = p.tenant = *tenant;
    p.service = true;
    ctx.actor_id = "scheduler";
    return p;
  }
  auto claims = verified_claims(ctx.svc.verified_tokens, token, ctx.svc.jwt_keys, ctx.svc.config.jwt_issuer,
                                core::now_millis() / 1000);
  if (!claims) return claims.error();
  Principal p;
  const Claims& c = *claims.value();
  p.user_id = core::UserId{c.sub};
  p.home_tenant = core::TenantId{c.tid};
  p.tenant = p.home_tenant;
  bool active = false;
  auto& proc = ctx.svc.processor;
  proc.read(proc.partition_of(p.home_tenant), [&](const commands::PartitionState& s) {
    const auto* t = s.tenant(p.home_tenant);
    const auto* u = t ? t->user(p.user_id) : nullptr;
    // The sign-in the token belongs to must still stand: logging out or a reused refresh token
    // ends it on the next request, whatever the token's own expiry says.
    const auto* session = t ? t->session(c.jti) : nullptr;
    if (u && u->status == "active" && session && session->revoked.empty()) {
      active = true;
      p.roles = u->roles;  // the roles of now, not of when the token was issued
      std::sort(p.roles.begin(), p.roles.end());
      p.super_admin = t->slug == "system" && p.has_any({"super_admin"});
    }
  });
  if (!active) return unauthenticated();
  ctx.actor_id = p.user_id.value;
  return acting_tenant(ctx, std::move(p));
}

core::Result<std::unique_ptr<core::JsonDocument>> json_body(const Request& req) {
  auto ct = req.header("content-type").value_or("");
  std::string media(ct.substr(0, ct.find(';')));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  std::transform(media.begin(), media.end(), media.begin(), [](unsigned char c) { return std::tolower(c); });
  if (media != "application/json")
    return core::make_error(core::errc::unsupported_media_type, "the body must be application/json");
  auto doc = core::JsonDocument::parse(req.body);
  if (!doc) return core::make_error(core::errc::invalid_json, "the body is not valid JSON");
  if (!doc->root().is_object()) return core::make_error(core::errc::invalid_json, "the body must be a JSON object");
  return doc;
}

std::optional<Response> await_position(Ctx& ctx, const std::vector<std::string>& projections) {
  auto token = ctx.req.header("regent-min-position");
  if (!token) return std::nullopt;
  auto pos = commands::parse_position(*token);
  if (!pos || pos->partition >= ctx.svc.processor.partitions())
    return problem(core::Error{core::errc::validation_failed, "Regent-Min-Position is not a position this server gave",
                               {{"Regent-Min-Position", "is not a valid position"}}},
                   ctx.rid());
  if (ctx.svc.checkpoints.wait(projections, pos->partition, pos->offset,
                               std::chrono::milliseconds(ctx.svc.config.consistency_timeout_ms)))
    return std::nullopt;
  return problem(core::errc::projection_lagging, "the read model has not reached that position yet", ctx.rid());
}

core::Result<std::optional<int64_t>> if_match(const Request& req) {
  auto header = req.header("if-match");
  if (!header || *header == "*") return std::optional<int64_t>();
  std::string_view v = *header;
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  int64_t version = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (v.empty() || ec != std::errc{} || p != v.data() + v.size() || version < 1)
    return core::Error{core::errc::validation_failed, "If-Match must be a version this server gave, such as \"3\"",
                       {{"If-Match", "is not a version"}}};
  return std::optional<int64_t>(version);
}

core::Result<commands::Context> command_context(const Ctx& ctx, const Principal* actor, std::string scope) {
  commands::Context c;
  if (actor && actor->service) {
    c.actor_type = "system";  // no actor id: the envelope names none for Regent's own
  } else if (actor && actor->api_key()) {
    c.actor_id = actor->api_key_id;
    c.actor_type = "api_key";
    c.actor_scopes = actor->scopes;
  } else if (actor) {
    c.actor_id = actor->user_id.value;
    c.actor_type = "user";
    c.actor_roles = actor->roles;
    // The request's origin goes on its events sealed under the actor's key: at hand for the writer.
    fetch_data_key(ctx.svc, actor->home_tenant, actor->user_id);
  }
  c.request_id = ctx.req.request_id;
  c.traceparent = ctx.req.trace.traceparent();
  c.tracestate = ctx.req.trace.tracestate;
  if (!(actor && actor->service)) {  // Regent's own requests have no client worth recording
    c.ip = ctx.req.remote_ip;
    c.user_agent = ctx.req.header("user-agent").value_or("").substr(0, 512);
  }
  c.now = core::now_millis();
  if (auto key = ctx.req.header("idempotency-key")) {
    bool printable = std::all_of(key->begin(), key->end(), [](unsigned char ch) { return ch >= 0x20 && ch < 0x7f; });
    if (key->empty() || key->size() > 255 || !printable)
      return core::Error{core::errc::validation_failed, "Idempotency-Key must be 1 to 255 printable characters",
                         {{"Idempotency-Key", "must be 1 to 255 printable ASCII characters"}}};
    c.idempotency_key = *key;
    c.idempotency_scope = std::move(scope);
    // What makes two requests "the same": who, where, what. Keyed, so that the hash in the event
    // reveals nothing of the body (which may hold a password).
    std::string request = c.idempotency_scope + "\n" + c.actor_id + "\n" + ctx.req.method + " " + ctx.req.path + "\n";
    for (const auto& [k, v] : ctx.req.query) request += k + "=" + v + "&";
    request += "\n" + ctx.req.body;
    std::string key_for_hashes = core::hmac_sha256(ctx.svc.config.jwt_secret, "regent idempotency v1");
    c.request_hash = core::base64url_encode(core::hmac_sha256(key_for_hashes, request));
  }
  return c;
}

namespace {
class HashingSlot {
 public:
  explicit HashingSlot(Services& svc) : slots_(svc.hashing_slots) { slots_.acquire(); }
  ~HashingSlot() { slots_.release(); }
  HashingSlot(const HashingSlot&) = delete;
  HashingSlot& operator=(const HashingSlot&) = delete;

 private:
  std::counting_semaphore<64>& slots_;
};
}  // namespace

std::string hash_password_bounded(Services& svc, std::string_view password) {
  HashingSlot slot(svc);
  return core::hash_password(password);
}

bool verify_password_bounded(Services& svc, std::string_view encoded_hash, std::string_view password) {
  HashingSlot slot(svc);
  return core::verify_password(encoded_hash, password);
}

Response json_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::optional<core::TenantId> token_tenant(std::string_view token, std::string_view kind) {
  size_t head = kind.size() + 1;
  if (token.size() != head + 36 + 1 + 43 || token.substr(0, kind.size()) != kind || token[kind.size()] != '_' ||
      token[head + 36] != '.')
    return std::nullopt;
  std::string tenant(token.substr(head, 36));
  if (!core::is_uuid(tenant)) return std::nullopt;
  return core::TenantId{tenant};
}

std::string token_hash(const Services& svc, std::string_view purpose, std::string_view token) {
  return core::base64url_encode(
      core::hmac_sha256(svc.config.jwt_secret, "regent " + std::string(purpose) + " hash v1\n" + std::string(token)));
}

Response committed_response(int status, std::string body, const commands::Committed& done) {
  Response r = json_response(status, std::move(body));
  r.headers.emplace_back("Regent-Position", commands::format_position(done.position));
  if (done.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

std::string user_json(const Services& svc, const core::TenantId& tenant, const commands::UserState& u,
                      const std::string& created_at) {
  auto key = u.email.empty() && u.full_name.empty() ? std::nullopt : data_key(svc, u.id);
  boost::json::array roles;
  auto sorted = u.roles;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& r : sorted) roles.emplace_back(r);
  boost::json::object o{{"id", u.id.value},
                        {"tenant_id", tenant.value},
                        {"email", shown(key, u.email, "email")},
                        {"full_name", shown(key, u.full_name, "full_name")},
                        {"roles", roles},
                        {"status", u.status},
                        {"parent_user_id", u.parent_user_id.empty() ? boost::json::value(nullptr)
                                                                    : boost::json::value(u.parent_user_id)},
                        {"created_at", created_at},
                        {"updated_at", u.updated_at.empty() ? created_at : u.updated_at},
                        {"version", u.version}};
  return core::to_json(o);
}

std::string tenant_json(const commands::TenantState& t) {
  boost::json::object o{{"id", t.id.value},
                        {"name", t.name},
                        {"slug", t.slug},
                        {"settings", commands::settings_json(t.settings)},
                        {"created_at", t.created_at},
                        {"updated_at", t.updated_at},
                        {"version", t.version}};
  return core::to_json(o);
}

commands::UserState user_from_event(const events::Envelope& e) {
  commands::PartitionState scratch;
  core::TenantId tenant{e.tenant_id};
  scratch.tenants[tenant].id = tenant;
  commands::evolve(scratch, e);
  auto& users = scratch.tenants[tenant].users;
  return users.empty() ? commands::UserState{} : users.begin()->second;
}

std::optional<commands::UserState> user_state(const Services& svc, const core::TenantId& tenant, const core::UserId& id) {
  return tenant_state(svc, tenant, [&](const commands::TenantState& t) -> std::optional<commands::UserState> {
    if (const auto* u = t.user(id)) return *u;
    return std::nullopt;
  });
}

commands::TenantState tenant_from_event(const events::Envelope& e) {
  commands::PartitionState scratch;
  commands::evolve(scratch, e);
  return scratch.tenants.empty() ? commands::TenantState{} : scratch.tenants.begin()->second;
}

namespace {
boost::json::value field(simdjson::dom::element d, std::string_view key) {
  simdjson::dom::element v;
  if (d[key].get(v) != simdjson::SUCCESS) return nullptr;
  return core::to_boost(v);
}
}  // namespace

std::string transaction_json(const Services& svc, const events::Envelope& e) {
  auto doc = core::JsonDocument::parse(e.data);
  auto d = doc->root();
  // A person's description is sealed under the wallet's owner's key; the system's is not.
  simdjson::dom::element personal;
  boost::json::value description = field(d, "description");
  if (d["personal"].get(personal) == simdjson::SUCCESS)
    description = shown(data_key(svc, core::UserId{core::get_text(d, "user_id")}),
                        core::Sealed{core::get_text(personal, "description"), e.id}, "description");
  boost::json::object o{{"id", field(d, "transaction_id")},
                        {"user_id", field(d, "user_id")},
                        {"type", e.type == events::types::wallet_credited ? "credit" : "debit"},
                        {"amount", field(d, "amount")},
                        {"balance_after", field(d, "balance_after")},
                        {"currency", field(d, "currency")},
                        {"reference", field(d, "reference")},
                        {"description", description},
                        {"activity_id", field(d, "activity_id")},
                        {"created_at", e.time}};
  return core::to_json(o);
}

std::string activity_json(const events::Envelope& e) {
  auto doc = core::JsonDocument::parse(e.data);
  auto d = doc->root();
  boost::json::object o{{"id", field(d, "activity_id")},
                        {"user_id", field(d, "user_id")},
                        {"charged_user_id", field(d, "charged_user_id")},
                        {"type", field(d, "type")},
                        {"cost", field(d, "cost")},
                        {"currency", field(d, "currency")},
                        {"transaction_id", field(d, "transaction_id")},
                        {"created_at", e.time}};
  return core::to_json(o);
}

}  // namespace regent::api
