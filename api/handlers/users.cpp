#include "api/handlers/handlers.hpp"
#include "api/problem.hpp"
#include "api/queries.hpp"
#include "api/query_params.hpp"
#include "api/support.hpp"
#include "commands/validation.hpp"

namespace regent::api::handlers {
namespace {

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
  if (!p->super_admin && !p->has_any({"admin", "manager"}))
    return problem(core::errc::forbidden, "creating users needs the admin or manager role", ctx.rid());
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
  auto& proc = ctx.svc.processor;
  auto done = proc.submit(proc.partition_of(cmd.tenant_id), cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  const auto& created = done->events.front();
  auto user = user_from_event(created);
  auto resp = committed_response(201, user_json(cmd.tenant_id, user, created.time), done.value());
  resp.headers.emplace_back("Location", "/v1/users/" + user.id.value);
  return resp;
}

namespace {
// POST /v1/users/{id}/deactivate and /reactivate: the user as the write side has it now.
Response set_user_active(Ctx& ctx, bool active) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  const std::string& id = ctx.params["id"];
  if (!core::is_uuid(id)) return problem(core::errc::not_found, "no such user", ctx.rid());
  auto expected = if_match(ctx.req);
  if (!expected) return problem(expected.error(), ctx.rid());
  auto cctx = command_context(ctx, &p.value(), p->tenant.value);
  if (!cctx) return problem(cctx.error(), ctx.rid());
  commands::SetUserActive cmd{p->tenant, core::UserId{id}, active, expected.value()};
  auto& proc = ctx.svc.processor;
  int32_t partition = proc.partition_of(p->tenant);
  auto done = proc.submit(partition, cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  std::optional<std::string> body;
  proc.read(partition, [&](const commands::PartitionState& s) {
    const auto* t = s.tenant(p->tenant);
    const auto* u = t ? t->user(cmd.user_id) : nullptr;
    if (u) body = user_json(p->tenant, *u, u->created_at);
  });
  if (!body) return problem(core::errc::not_found, "no such user", ctx.rid());
  return committed_response(200, *body, done.value());
}
}  // namespace

Response deactivate_user(Ctx& ctx) { return set_user_active(ctx, false); }
Response reactivate_user(Ctx& ctx) { return set_user_active(ctx, true); }

Response get_user(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  const std::string& id = ctx.params["id"];
  if (!p->reads_tenant() && id != p->user_id.value)
    return problem(core::errc::forbidden, "reading users needs the admin, manager or analyst role", ctx.rid());
  if (auto wait = await_position(ctx, {"users"})) return *wait;
  auto user = find_user(ctx.svc.pg, p->tenant, id);
  if (!user) return problem(core::errc::not_found, "no such user", ctx.rid());
  return json_response(200, *user);
}

Response list_users(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->reads_tenant())
    return problem(core::errc::forbidden, "listing users needs the admin, manager or analyst role", ctx.rid());
  auto filter = parse_user_filter(ctx.req);
  if (!filter) return problem(filter.error(), ctx.rid());
  if (auto wait = await_position(ctx, {"users"})) return *wait;
  auto page = api::list_users(ctx.svc.pg, p->tenant, filter.value());
  return json_response(200, page_json(page.items, 'u', page.next_key));
}

Response me(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (auto wait = await_position(ctx, {"users", "tenants"})) return *wait;
  auto user = find_user(ctx.svc.pg, p->home_tenant, p->user_id.value);
  auto tenant = find_tenant(ctx.svc.pg, p->home_tenant);
  if (!user || !tenant)
    return problem(core::errc::projection_lagging, "your account is not in the read model yet", ctx.rid());
  std::string roles = "[";
  for (size_t i = 0; i < p->roles.size(); ++i) roles += (i ? ",\"" : "\"") + p->roles[i] + "\"";
  roles += "]";
  return json_response(200, "{\"user\":" + *user + ",\"tenant\":" + *tenant + ",\"roles\":" + roles + "}");
}

}  // namespace regent::api::handlers
