#include "api/handlers/handlers.hpp"
#include "api/problem.hpp"
#include "api/queries.hpp"
#include "api/support.hpp"
#include "commands/evolve.hpp"
#include "commands/validation.hpp"

namespace regent::api::handlers {

Response create_tenant(Ctx& ctx) {
  std::optional<Principal> actor;
  if (ctx.req.header("authorization")) {
    auto p = authenticate(ctx);
    if (!p) return problem(p.error(), ctx.rid());
    actor = p.value();
  }
  if (!ctx.svc.config.open_signup && !(actor && actor->super_admin)) {
    if (!actor) return problem(core::errc::unauthenticated, "sign-up is closed: sign in as super_admin", ctx.rid());
    return problem(core::errc::forbidden, "only super_admin may create tenants", ctx.rid());
  }
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_create_tenant(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());

  auto& proc = ctx.svc.processor;
  commands::CreateTenant cmd;
  cmd.tenant_id = proc.new_tenant_id(in->slug);
  cmd.admin_id = core::UserId{core::uuid_v7()};
  cmd.name = in->name;
  cmd.slug = in->slug;
  cmd.admin_email = in->admin_email;
  cmd.admin_full_name = in->admin_full_name;
  cmd.admin_password_hash = hash_password_bounded(ctx.svc, in->admin_password);
  auto cctx = command_context(ctx, actor ? &*actor : nullptr);
  auto done = proc.submit(proc.partition_of_slug(cmd.slug), cmd, cctx);
  if (!done) return problem(done.error(), ctx.rid());
  ctx.tenant_id = cmd.tenant_id.value;

  std::string at = core::format_rfc3339(cctx.now);
  commands::TenantState tenant;
  tenant.id = cmd.tenant_id;
  tenant.name = cmd.name;
  tenant.slug = cmd.slug;
  tenant.created_at = tenant.updated_at = at;
  tenant.version = 1;
  commands::UserState admin;
  admin.id = cmd.admin_id;
  admin.email = cmd.admin_email;
  admin.full_name = cmd.admin_full_name;
  admin.roles = cmd.admin_roles;
  admin.version = 1;
  std::string body_json = "{\"tenant\":" + tenant_json(tenant) +
                          ",\"admin_user\":" + user_json(cmd.tenant_id, admin, at) + "}";
  auto resp = committed_response(201, std::move(body_json), done.value());
  resp.headers.emplace_back("Location", "/v1/tenant");
  return resp;
}

Response get_tenant(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (auto wait = await_position(ctx, {"tenants"})) return *wait;
  auto t = find_tenant(ctx.svc.pg, p->tenant);
  if (!t) return problem(core::errc::not_found, "no such tenant", ctx.rid());
  return json_response(200, *t);
}

Response change_tenant(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_change_tenant(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());
  auto expected = if_match(ctx.req);
  if (!expected) return problem(expected.error(), ctx.rid());

  commands::ChangeTenant cmd;
  cmd.tenant_id = p->tenant;
  cmd.name = in->name;
  cmd.currency = in->currency;
  cmd.activity_costs = in->activity_costs;
  cmd.max_users = in->max_users;
  cmd.expected_version = expected.value();
  auto cctx = command_context(ctx, &p.value());
  auto& proc = ctx.svc.processor;
  // The answer is the tenant as the decision left it: the state it was decided on, plus its events.
  commands::PartitionState after;
  auto done = proc.execute(proc.partition_of(cmd.tenant_id), cctx, [&](const commands::PartitionState& s) {
    auto decision = commands::decide(s, cmd, cctx);
    if (decision) after.tenants[cmd.tenant_id] = commands::tenant_header(*s.tenant(cmd.tenant_id));
    return decision;
  });
  if (!done) return problem(done.error(), ctx.rid());
  for (const auto& e : done->events) commands::evolve(after, e);
  return committed_response(200, tenant_json(after.tenants[cmd.tenant_id]), done.value());
}

}  // namespace regent::api::handlers
