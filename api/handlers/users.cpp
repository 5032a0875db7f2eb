#include "api/handlers/handlers.hpp"
#include "api/personal.hpp"
#include "api/problem.hpp"
#include "api/queries.hpp"
#include "api/query_params.hpp"
#include "api/support.hpp"
#include "commands/validation.hpp"

namespace regent::api::handlers {
namespace {
using commands::Action;

core::Result<UserFilter> parse_user_filter(const Request& req) {
  QueryParams q(req);
  UserFilter f;
  f.limit = q.limit();
  f.after_id = q.cursor('u', core::is_uuid).value_or("");
  f.status = q.one_of("status", {"active", "deactivated", "erased"}).value_or("");
  f.role = q.one_of("role", {"admin", "manager", "analyst", "viewer", "super_admin"}).value_or("");
  f.q = q.text("q", 200).value_or("");
  if (auto done = q.finish(); !done) return done.error();
  return f;
}

}  // namespace

Response create_user(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->may(Action::write_users)) return forbidden(ctx, "creating users needs the admin or manager role, or the users:write scope");
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_create_user(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());

  auto cctx = command_context(ctx, &p.value(), p->tenant.value);
  if (!cctx) return problem(cctx.error(), ctx.rid());

  commands::CreateUser cmd;
  cmd.tenant_id = p->tenant;
  cmd.user_id = core::UserId{core::uuid_v7()};
  cmd.email = in->email;
  cmd.full_name = in->full_name;
  cmd.roles = in->roles;
  cmd.parent_user_id = in->parent_user_id;
  cmd.password_hash = hash_password_bounded(ctx.svc, in->password);
  make_data_key(ctx.svc, cmd.tenant_id, cmd.user_id);
  auto& proc = ctx.svc.processor;
  auto done = proc.submit(proc.partition_of(cmd.tenant_id), cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  const auto& created = done->events.front();
  auto user = user_from_event(created);
  auto resp = committed_response(201, user_json(ctx.svc, cmd.tenant_id, user, created.time), done.value());
  resp.headers.emplace_back("Location", "/v1/users/" + user.id.value);
  return resp;
}

namespace {
// The answer to a command on one user: the user as the write side has it once the command's events
// are in.
Response user_answer(Ctx& ctx, const core::TenantId& tenant, const core::UserId& id, const commands::Committed& done) {
  auto user = user_state(ctx.svc, tenant, id);
  if (!user) return problem(core::errc::not_found, "no such user", ctx.rid());
  return committed_response(200, user_json(ctx.svc, tenant, *user, user->created_at), done);
}

// What every command on /v1/users/{id} does first: who asks, may it at all, and which user.
struct UserCommand {
  Principal who;
  core::UserId user;
  commands::Context cctx;
};
core::Result<UserCommand> user_command(Ctx& ctx, Action action, std::string_view refusal) {
  auto p = authenticate(ctx);
  if (!p) return p.error();
  if (!p->may(action)) return core::make_error(core::errc::forbidden, std::string(refusal));
  const std::string& id = ctx.params["id"];
  if (!core::is_uuid(id)) return core::make_error(core::errc::not_found, "no such user");
  auto cctx = command_context(ctx, &p.value(), p->tenant.value);
  if (!cctx) return cctx.error();
  return UserCommand{std::move(p.value()), core::UserId{id}, std::move(cctx.value())};
}

// `seals`: the command's events carry personal fields, sealed under the user's key.
template <class Command>
Response submit_on_user(Ctx& ctx, const UserCommand& uc, const Command& cmd, bool seals = false) {
  if (seals)
    fetch_data_key(ctx.svc, uc.who.tenant, uc.user);
  auto& proc = ctx.svc.processor;
  auto done = proc.submit(proc.partition_of(uc.who.tenant), cmd, uc.cctx);
  if (!done) return problem(done.error(), ctx.rid());
  return user_answer(ctx, uc.who.tenant, uc.user, done.value());
}

// POST /v1/users/{id}/deactivate and /reactivate.
Response set_user_active(Ctx& ctx, bool active) {
  auto uc = user_command(ctx, Action::write_users,
                         "deactivating and reactivating users needs the admin or manager role, or the users:write scope");
  if (!uc) return problem(uc.error(), ctx.rid());
  auto expected = if_match(ctx.req);
  if (!expected) return problem(expected.error(), ctx.rid());
  // Deactivating closes its open permissions, with a reason sealed under its key.
  return submit_on_user(ctx, *uc, commands::SetUserActive{uc->who.tenant, uc->user, active, expected.value()}, !active);
}

// PUT and DELETE /v1/users/{id}/roles/{role}.
Response change_role(Ctx& ctx, bool assign) {
  auto uc = user_command(ctx, Action::assign_roles, "assigning and revoking roles needs the admin role or the users:write scope");
  if (!uc) return problem(uc.error(), ctx.rid());
  const std::string& role = ctx.params["role"];
  if (!commands::is_tenant_role(role) && role != "super_admin")
    return problem(core::Error{core::errc::validation_failed, "the request breaks the schema",
                               {{"role", "must be one of admin, manager, analyst, viewer"}}},
                   ctx.rid());
  return submit_on_user(ctx, *uc, commands::ChangeRole{uc->who.tenant, uc->user, role, assign});
}
}  // namespace

Response update_user(Ctx& ctx) {
  auto uc = user_command(ctx, Action::write_users, "updating users needs the admin or manager role, or the users:write scope");
  if (!uc) return problem(uc.error(), ctx.rid());
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_update_user(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());
  auto expected = if_match(ctx.req);
  if (!expected) return problem(expected.error(), ctx.rid());
  // What equals the current value is left out: a PATCH that changes nothing appends nothing.
  // (Read before deciding: a change that lands meanwhile is ordered before this one.)
  commands::UpdateUser cmd{uc->who.tenant, uc->user, in->email, in->full_name, expected.value()};
  if (auto now = user_state(ctx.svc, uc->who.tenant, uc->user)) {
    auto key = data_key(ctx.svc, now->id);
    if (cmd.email && revealed(key, now->email, "email") == *cmd.email) cmd.email.reset();
    if (cmd.full_name && revealed(key, now->full_name, "full_name") == *cmd.full_name)
      cmd.full_name.reset();
  }
  return submit_on_user(ctx, *uc, cmd, cmd.email || cmd.full_name);
}

// POST /v1/users/{id}/erase: the user's data key is deleted once the erasure is in the log (and
// again by the erasures projection, should this process stop in between).
Response erase_user(Ctx& ctx) {
  auto uc = user_command(ctx, Action::administer, "erasing users needs the admin role or the admin scope");
  if (!uc) return problem(uc.error(), ctx.rid());
  auto expected = if_match(ctx.req);
  if (!expected) return problem(expected.error(), ctx.rid());
  fetch_data_key(ctx.svc, uc->who.tenant, uc->user);
  auto& proc = ctx.svc.processor;
  auto done = proc.submit(proc.partition_of(uc->who.tenant), commands::EraseUser{uc->who.tenant, uc->user, expected.value()},
                          uc->cctx);
  if (!done) return problem(done.error(), ctx.rid());
  auto user = user_state(ctx.svc, uc->who.tenant, uc->user);
  if (user && user->status == "erased") erase_data_key(ctx.svc, uc->user);
  return user_answer(ctx, uc->who.tenant, uc->user, done.value());
}

Response assign_role(Ctx& ctx) { return change_role(ctx, true); }
Response revoke_role(Ctx& ctx) { return change_role(ctx, false); }

Response deactivate_user(Ctx& ctx) { return set_user_active(ctx, false); }
Response reactivate_user(Ctx& ctx) { return set_user_active(ctx, true); }

Response get_user(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  const std::string& id = ctx.params["id"];
  if (!p->may(Action::read_users) && !(p->may(Action::read_own) && id == p->user_id.value))
    return forbidden(ctx, "reading users needs the admin, manager or analyst role, or the users:read scope");
  if (auto wait = await_position(ctx, {"users"})) return *wait;
  auto user = find_user(ctx.svc.queries, p->tenant, id);
  if (!user) return problem(core::errc::not_found, "no such user", ctx.rid());
  return json_response(200, *user);
}

Response list_users(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->may(Action::read_users))
    return forbidden(ctx, "listing users needs the admin, manager or analyst role, or the users:read scope");
  auto filter = parse_user_filter(ctx.req);
  if (!filter) return problem(filter.error(), ctx.rid());
  if (auto wait = await_position(ctx, {"users"})) return *wait;
  auto page = api::list_users(ctx.svc.queries, p->tenant, filter.value());
  return json_response(200, page_json(page.items, 'u', page.next_key));
}

Response me(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->may(Action::read_own)) return forbidden(ctx, "an API key has no profile of its own");
  if (auto wait = await_position(ctx, {"users", "tenants"})) return *wait;
  auto found = find_me(ctx.svc.queries, p->home_tenant, p->user_id.value);
  if (!found) return problem(core::errc::projection_lagging, "your account is not in the read model yet", ctx.rid());
  const auto& [user, tenant] = *found;
  std::string roles = "[";
  for (size_t i = 0; i < p->roles.size(); ++i) roles += (i ? ",\"" : "\"") + p->roles[i] + "\"";
  roles += "]";
  return json_response(200, "{\"user\":" + user + ",\"tenant\":" + tenant + ",\"roles\":" + roles + "}");
}

}  // namespace regent::api::handlers
