// Invitations: POST /v1/invitations, POST /v1/invitations/accept, DELETE /v1/invitations/{id}.
//
// A token is `inv_<tenant id>.<secret part>`, made like a refresh token (api/handlers/login.cpp):
// the secret part is HMAC-SHA256, under the server's secret, of the invitation and a 32-byte nonce
// that invitation.created records; the state keeps the token's keyed hash only.
#include <boost/json/object.hpp>

#include "api/handlers/handlers.hpp"
#include "api/personal.hpp"
#include "api/problem.hpp"
#include "api/rate_limits.hpp"
#include "api/support.hpp"
#include "commands/validation.hpp"
#include "core/crypto.hpp"

namespace regent::api::handlers {
namespace {
using commands::Action;

std::string invitation_token(const Services& svc, const std::string& tenant, const std::string& id,
                             const std::string& nonce) {
  return "inv_" + tenant + "." +
         core::base64url_encode(core::hmac_sha256(svc.config.jwt_secret, "regent invitation v1\n" + id + "\n" + nonce));
}

std::string invitation_hash(const Services& svc, std::string_view token) { return token_hash(svc, "invitation", token); }

core::Error refused_token() { return core::make_error(core::errc::unauthenticated, "invalid, used or expired invitation token"); }
}  // namespace

Response create_invitation(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->may(Action::write_users)) return forbidden(ctx, "inviting users needs the admin or manager role, or the users:write scope");
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_invitation(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());
  auto cctx = command_context(ctx, &p.value(), p->tenant.value);
  if (!cctx) return problem(cctx.error(), ctx.rid());

  commands::CreateInvitation cmd;
  cmd.tenant_id = p->tenant;
  cmd.invitation_id = core::uuid_v7();
  cmd.email = in->email;
  cmd.roles = in->roles;
  cmd.nonce = core::random_token(32);
  cmd.token_hash = invitation_hash(ctx.svc, invitation_token(ctx.svc, p->tenant.value, cmd.invitation_id, cmd.nonce));
  cmd.expires_at = cctx->now + commands::kInvitationTtlMs;
  cmd.invitee = core::UserId{core::uuid_v7()};
  make_data_key(ctx.svc, cmd.tenant_id, cmd.invitee);
  auto& proc = ctx.svc.processor;
  auto done = proc.submit(proc.partition_of(cmd.tenant_id), cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  // From the event, so that a retry with the same Idempotency-Key gets the first answer's token.
  const auto& e = done->events.front();
  auto doc = core::JsonDocument::parse(e.data);
  auto d = doc->root();
  std::string id = core::get_text(d, "invitation_id");
  boost::json::object out{{"id", id},
                          {"token", invitation_token(ctx.svc, p->tenant.value, id, core::get_text(d, "nonce"))},
                          {"email", shown(data_key(ctx.svc, core::UserId{core::get_text(d, "user_id")}),
                                          core::Sealed{core::get_text(d["personal"].value(), "email"), e.id}, "email")},
                          {"roles", core::to_boost(d["roles"].value())},
                          {"status", "pending"},
                          {"created_at", e.time},
                          {"expires_at", core::get_text(d, "expires_at")}};
  auto resp = committed_response(201, core::to_json(out), done.value());
  resp.headers.emplace_back("Cache-Control", "no-store");
  resp.headers.emplace_back("Location", "/v1/invitations/" + id);
  return resp;
}

Response accept_invitation(Ctx& ctx) {
  // Accepting creates an account without signing in: limited like a sign-up, before any hashing.
  if (ctx.svc.limits)
    if (auto r = over_limit(ctx.svc.limits->signup_per_ip, ctx.req.remote_ip, "sign-ups from this address", ctx.rid()))
      return *r;
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_accept_invitation(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());
  auto tenant = token_tenant(in->token, "inv");
  if (!tenant) return problem(refused_token(), ctx.rid());
  std::string hash = invitation_hash(ctx.svc, in->token);
  auto& proc = ctx.svc.processor;
  int32_t partition = proc.partition_of(*tenant);
  // A token that names nothing costs no password hash; the decision checks it again.
  std::optional<commands::InvitationState> inv;
  proc.read(partition, [&](const commands::PartitionState& s) {
    const auto* t = s.tenant(*tenant);
    const auto* found = t ? t->invitation_by_token(hash) : nullptr;
    if (found && found->pending(core::now_millis())) inv = *found;
  });
  if (!inv) return problem(refused_token(), ctx.rid());
  ctx.tenant_id = tenant->value;
  // The invitee's id and key were made with the invitation (older ones had none: a new id).
  core::UserId invitee = inv->invitee.value.empty() ? core::UserId{core::uuid_v7()} : inv->invitee;
  make_data_key(ctx.svc, *tenant, invitee);
  auto email = revealed(data_key(ctx.svc, invitee), inv->email, "email");
  if (!email) return problem(refused_token(), ctx.rid());  // its invitee was erased

  commands::AcceptInvitation cmd{*tenant, hash, invitee, *email, in->full_name,
                                 hash_password_bounded(ctx.svc, in->password)};
  auto cctx = command_context(ctx, nullptr, tenant->value);
  if (!cctx) return problem(cctx.error(), ctx.rid());
  cctx->actor_id = cmd.user_id.value;  // the invited user acts, as a sign-up's admin does
  cctx->actor_type = "user";
  ctx.actor_id = cmd.user_id.value;
  auto done = proc.submit(partition, cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  const auto& created = done->events.back();
  auto user = user_from_event(created);
  auto resp = committed_response(201, user_json(ctx.svc, *tenant, user, created.time), done.value());
  resp.headers.emplace_back("Location", "/v1/users/" + user.id.value);
  return resp;
}

Response revoke_invitation(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->may(Action::write_users)) return forbidden(ctx, "revoking invitations needs the admin or manager role, or the users:write scope");
  const std::string& id = ctx.params["id"];
  if (!core::is_uuid(id)) return problem(core::errc::not_found, "no such invitation", ctx.rid());
  auto cctx = command_context(ctx, &p.value(), p->tenant.value);
  if (!cctx) return problem(cctx.error(), ctx.rid());
  auto& proc = ctx.svc.processor;
  auto done = proc.submit(proc.partition_of(p->tenant), commands::RevokeInvitation{p->tenant, id}, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  // The invitee never joined: nothing about it is kept readable (the erasures projection
  // deletes the key too, should this process stop in between).
  for (const auto& e : done->events) {
    auto doc = core::JsonDocument::parse(e.data);
    if (auto invitee = core::get_text(doc->root(), "user_id"); !invitee.empty()) erase_data_key(ctx.svc, core::UserId{invitee});
  }
  auto r = committed_response(204, "", done.value());
  r.content_type.clear();
  return r;
}

}  // namespace regent::api::handlers
