#include <boost/json/object.hpp>

#include "api/handlers/handlers.hpp"
#include "api/jwt.hpp"
#include "api/problem.hpp"
#include "api/support.hpp"
#include "commands/validation.hpp"
#include "core/password.hpp"

namespace regent::api::handlers {

Response login(Ctx& ctx) {
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_login(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());

  auto& proc = ctx.svc.processor;
  struct Found {
    core::TenantId tenant;
    core::UserId user;
    std::string hash;
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
  // The same work whether or not the account exists, so timing tells nothing.
  bool ok = verify_password_bounded(ctx.svc, found ? found->hash : core::decoy_password_hash(), in->password);
  if (!found || !ok) return problem(core::errc::unauthenticated, "invalid tenant, email or password", ctx.rid());
  ctx.tenant_id = found->tenant.value;
  ctx.actor_id = found->user.value;

  commands::RecordLogin cmd{found->tenant, found->user, core::uuid_v7()};
  auto cctx = command_context(ctx, nullptr, found->tenant.value);
  if (!cctx) return problem(cctx.error(), ctx.rid());
  cctx->actor_id = found->user.value;
  cctx->actor_type = "user";
  auto done = proc.submit(proc.partition_of(found->tenant), cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());

  // The token is the session's, as user.logged_in recorded it: a retry with the same
  // Idempotency-Key gets the same session back, never a second one.
  const auto& session = done->events.front();
  auto data = core::JsonDocument::parse(session.data);
  Claims c;
  c.iss = c.aud = ctx.svc.config.jwt_issuer;
  c.sub = found->user.value;
  c.tid = found->tenant.value;
  c.roles = found->roles;
  c.iat = core::parse_rfc3339(session.time).value_or(cctx->now) / 1000;
  c.exp = c.iat + ctx.svc.config.access_token_ttl_s;
  c.jti = core::get_text(data->root(), "session_id");
  boost::json::object out{{"access_token", sign_jwt(c, ctx.svc.jwt_keys)},
                          {"token_type", "Bearer"},
                          {"expires_in", ctx.svc.config.access_token_ttl_s}};
  auto resp = committed_response(200, core::to_json(out), done.value());
  resp.headers.emplace_back("Cache-Control", "no-store");
  return resp;
}

}  // namespace regent::api::handlers
