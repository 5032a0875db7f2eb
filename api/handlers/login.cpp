// Sign-in and its sessions: POST /v1/auth/login, /refresh and /logout.
//
// A refresh token is `rt_<tenant id>.<secret part>`: the tenant id says which partition decides
// it, in O(1); the secret part is HMAC-SHA256, under the server's secret, of the session and of 32
// random bytes (the nonce) the event that issued it records. The log therefore holds neither the token nor anything
// that yields it without the secret, while a retry with the same Idempotency-Key can be answered
// with the very token the first answer carried. The state keeps the token's keyed hash only.
#include <boost/json/object.hpp>

#include "api/handlers/handlers.hpp"
#include "api/personal.hpp"
#include "api/jwt.hpp"
#include "api/problem.hpp"
#include "api/rate_limits.hpp"
#include "api/support.hpp"
#include "commands/validation.hpp"
#include "core/crypto.hpp"
#include "core/password.hpp"
#include "events/event_types.hpp"

namespace regent::api::handlers {
namespace {
// What the state and the log keep of a refresh token.
std::string refresh_token_hash(const Services& svc, std::string_view token) { return token_hash(svc, "refresh token", token); }

std::string refresh_token(const Services& svc, const std::string& tenant, const std::string& session,
                          const std::string& nonce) {
  return "rt_" + tenant + "." +
         core::base64url_encode(core::hmac_sha256(svc.config.jwt_secret, "regent refresh token v1\n" + session + "\n" + nonce));
}

core::Error refused() { return core::make_error(core::errc::unauthenticated, "invalid or expired refresh token"); }

// The answer of a sign-in or a refresh: a new access token for the session, and its refresh token.
Response token_pair(Ctx& ctx, const commands::Committed& done, const std::string& tenant, const std::string& user,
                    const std::vector<std::string>& roles, const std::string& session, const std::string& nonce,
                    int64_t now_ms) {
  const auto& issued = done.events.front();
  Claims c;
  c.iss = c.aud = ctx.svc.config.jwt_issuer;
  c.sub = user;
  c.tid = tenant;
  c.roles = roles;
  c.iat = core::parse_rfc3339(issued.time).value_or(now_ms) / 1000;
  c.exp = c.iat + ctx.svc.config.access_token_ttl_s;
  c.jti = session;
  boost::json::object out{{"access_token", sign_jwt(c, ctx.svc.jwt_keys)},
                          {"refresh_token", refresh_token(ctx.svc, tenant, session, nonce)},
                          {"token_type", "Bearer"},
                          {"expires_in", ctx.svc.config.access_token_ttl_s}};
  auto resp = committed_response(200, core::to_json(out), done);
  resp.headers.emplace_back("Cache-Control", "no-store");
  return resp;
}

// The refresh token of a request body: its tenant, its keyed hash, and the sign-in and user it
// names in the write side's state (refused when it names none). The user is the events' actor.
struct Presented {
  core::TenantId tenant;
  std::string hash;
  std::string session;
  std::string user;
};
core::Result<Presented> presented(Ctx& ctx) {
  auto body = json_body(ctx.req);
  if (!body) return body.error();
  auto in = commands::parse_refresh(body.value()->root());
  if (!in) return in.error();
  auto tenant = token_tenant(in->refresh_token, "rt");
  if (!tenant) return refused();
  Presented p{*tenant, refresh_token_hash(ctx.svc, in->refresh_token), {}, {}};
  auto& proc = ctx.svc.processor;
  proc.read(proc.partition_of(p.tenant), [&](const commands::PartitionState& s) {
    const auto* t = s.tenant(p.tenant);
    const auto* found = t ? t->session_by_refresh(p.hash) : nullptr;
    if (found) p.session = found->id, p.user = found->user_id.value;
  });
  if (p.session.empty()) return refused();
  ctx.tenant_id = p.tenant.value;
  ctx.actor_id = p.user;
  return p;
}

// The command context of a sign-in's own request: the user acts.
core::Result<commands::Context> session_context(const Ctx& ctx, const Presented& p) {
  auto cctx = command_context(ctx, nullptr, p.tenant.value);
  if (cctx) {
    cctx->actor_id = p.user;
    cctx->actor_type = "user";
    fetch_data_key(ctx.svc, p.tenant, core::UserId{p.user});  // seals the request's origin
  }
  return cctx;
}
}  // namespace

Response login(Ctx& ctx) {
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_login(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());
  // Before any password is hashed: per client address, then per account, whether or not it exists.
  if (ctx.svc.limits) {
    if (auto r = over_limit(ctx.svc.limits->signin_per_ip, ctx.req.remote_ip, "sign-in attempts from this address", ctx.rid()))
      return *r;
    if (auto r = over_limit(ctx.svc.limits->signin_per_account, commands::lower(in->tenant) + "\n" + commands::lower(in->email),
                            "sign-in attempts for this account", ctx.rid()))
      return *r;
  }

  auto& proc = ctx.svc.processor;
  struct Found {
    core::TenantId tenant;
    core::UserId user;
    core::Sealed hash;
    std::vector<std::string> roles;
  };
  std::optional<Found> found;
  if (commands::valid_slug(in->tenant)) {
    proc.read(proc.partition_of_slug(in->tenant), [&](const commands::PartitionState& s) {
      const auto* t = s.tenant_by(in->tenant);
      const auto* u = t ? t->user_by(in->email) : nullptr;
      if (u && u->status == "active") found = Found{t->id, u->id, u->password_hash, u->roles};
    });
  }
  // The hash is sealed under the user's key (which the sign-in's record needs too).
  std::optional<std::string> hash;
  if (found) hash = revealed(data_key(ctx.svc, found->user), found->hash, "password_hash");
  // The same work whether or not the account exists, so timing tells nothing.
  bool ok = verify_password_bounded(ctx.svc, hash ? *hash : core::decoy_password_hash(), in->password);
  if (!found || !hash || !ok) return problem(core::errc::unauthenticated, "invalid tenant, email or password", ctx.rid());
  ctx.tenant_id = found->tenant.value;
  ctx.actor_id = found->user.value;

  auto cctx = command_context(ctx, nullptr, found->tenant.value);
  if (!cctx) return problem(cctx.error(), ctx.rid());
  cctx->actor_id = found->user.value;
  cctx->actor_type = "user";
  std::string session = core::uuid_v7();
  std::string nonce = core::random_token(32);
  std::string token = refresh_token(ctx.svc, found->tenant.value, session, nonce);
  commands::RecordLogin cmd{found->tenant, found->user, session, refresh_token_hash(ctx.svc, token),
                            cctx->now + ctx.svc.config.refresh_token_ttl_ms, nonce};
  fetch_data_key(ctx.svc, found->tenant, found->user);
  auto done = proc.submit(proc.partition_of(found->tenant), cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  // A retry with the same Idempotency-Key gets the first answer's session and tokens back. (A
  // sign-in recorded without a nonce derived its first token from the session id alone.)
  auto data = core::JsonDocument::parse(done->events.front().data);
  std::string recorded = core::get_text(data->root(), "session_id");
  std::string recorded_nonce = core::get_text(data->root(), "nonce");
  return token_pair(ctx, done.value(), found->tenant.value, found->user.value, found->roles, recorded,
                    recorded_nonce.empty() ? recorded : recorded_nonce, cctx->now);
}

Response refresh(Ctx& ctx) {
  if (ctx.svc.limits)
    if (auto r = over_limit(ctx.svc.limits->refresh_per_ip, ctx.req.remote_ip, "token refreshes from this address", ctx.rid()))
      return *r;
  auto p = presented(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  auto cctx = session_context(ctx, p.value());
  if (!cctx) return problem(cctx.error(), ctx.rid());
  auto& proc = ctx.svc.processor;
  // The next token is derived from the sign-in and 32 fresh random bytes; the decision records them.
  std::string nonce = core::random_token(32);
  commands::RefreshSession cmd{
      p->tenant, p->hash, refresh_token_hash(ctx.svc, refresh_token(ctx.svc, p->tenant.value, p->session, nonce)), nonce};
  auto done = proc.submit(proc.partition_of(p->tenant), cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  const auto& e = done->events.front();
  auto data = core::JsonDocument::parse(e.data);
  if (e.type == events::types::session_revoked)  // a spent token again: the whole sign-in is gone
    return problem(refused(), ctx.rid());
  std::vector<std::string> roles;
  proc.read(proc.partition_of(p->tenant), [&](const commands::PartitionState& s) {
    const auto* t = s.tenant(p->tenant);
    const auto* u = t ? t->user(core::UserId{p->user}) : nullptr;
    if (u) roles = u->roles;
  });
  return token_pair(ctx, done.value(), p->tenant.value, p->user, roles, p->session,
                    core::get_text(data->root(), "nonce"), cctx->now);
}

Response logout(Ctx& ctx) {
  auto p = presented(ctx);
  // Whatever token was presented, the answer is the same: it says nothing of the token.
  if (!p && p.error().code != core::errc::unauthenticated) return problem(p.error(), ctx.rid());
  Response r;
  if (p) {
    auto cctx = session_context(ctx, p.value());
    if (!cctx) return problem(cctx.error(), ctx.rid());
    auto& proc = ctx.svc.processor;
    auto done = proc.submit(proc.partition_of(p->tenant), commands::EndSession{p->tenant, p->hash}, cctx.value());
    if (!done) return problem(done.error(), ctx.rid());
    if (!done->events.empty()) r = committed_response(204, "", done.value());
  }
  r.status = 204;
  r.content_type.clear();
  r.body.clear();
  return r;
}

}  // namespace regent::api::handlers
