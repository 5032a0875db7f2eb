#include "api/handlers/handlers.hpp"
#include "api/personal.hpp"
#include "api/problem.hpp"
#include "api/rate_limits.hpp"
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
  // super_admin creating tenants is not a sign-up.
  if (ctx.svc.limits && !(actor && actor->super_admin))
    if (auto r = over_limit(ctx.svc.limits->signup_per_ip, ctx.req.remote_ip, "sign-ups from this address", ctx.rid()))
      return *r;
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_create_tenant(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());

  // Sign-ups have no tenant yet: their keys live with their partition's sign-ups.
  auto cctx = command_context(ctx, actor ? &*actor : nullptr, "");
  if (!cctx) return problem(cctx.error(), ctx.rid());

  auto& proc = ctx.svc.processor;
  commands::CreateTenant cmd;
  cmd.tenant_id = proc.new_tenant_id(in->slug);
  cmd.admin_id = core::UserId{core::uuid_v7()};
  cmd.name = in->name;
  cmd.slug = in->slug;
  cmd.admin_email = in->admin_email;
  cmd.admin_full_name = in->admin_full_name;
  cmd.admin_password_hash = hash_password_bounded(ctx.svc, in->admin_password);
  make_data_key(ctx.svc, cmd.tenant_id, cmd.admin_id);
  if (!actor) {  // a sign-up: its admin acts (and the request's origin is the admin's)
    cctx->actor_id = cmd.admin_id.value;
    cctx->actor_type = "user";
  }
  auto done = proc.submit(proc.partition_of_slug(cmd.slug), cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());

  const auto& events = done->events;  // tenant.created, then the admin's user.created
  auto tenant = tenant_from_event(events.front());
  auto admin = user_from_event(events.back());
  ctx.tenant_id = tenant.id.value;
  std::string body_json = "{\"tenant\":" + tenant_json(tenant) +
                          ",\"admin_user\":" + user_json(ctx.svc, tenant.id, admin, events.back().time) + "}";
  auto resp = committed_response(201, std::move(body_json), done.value());
  resp.headers.emplace_back("Location", "/v1/tenant");
  return resp;
}

Response get_tenant(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (auto wait = await_position(ctx, {"tenants"})) return *wait;
  auto t = find_tenant(ctx.svc.queries, p->tenant);
  if (!t) return problem(core::errc::not_found, "no such tenant", ctx.rid());
  return json_response(200, *t);
}

Response change_tenant(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->may(commands::Action::administer)) return forbidden(ctx, "changing the tenant needs the admin role or the admin scope");
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_change_tenant(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());
  auto expected = if_match(ctx.req);
  if (!expected) return problem(expected.error(), ctx.rid());

  auto cctx = command_context(ctx, &p.value(), p->tenant.value);
  if (!cctx) return problem(cctx.error(), ctx.rid());

  commands::ChangeTenant cmd;
  cmd.tenant_id = p->tenant;
  cmd.name = in->name;
  cmd.currency = in->currency;
  cmd.activity_costs = in->activity_costs;
  cmd.max_users = in->max_users;
  cmd.expected_version = expected.value();
  auto& proc = ctx.svc.processor;
  // The answer is the tenant as the decision left it: the state it was decided on, plus its events.
  std::optional<commands::TenantState> before;
  auto done = proc.execute(proc.partition_of(cmd.tenant_id), cctx.value(), [&](const commands::PartitionState& s) {
    auto decision = commands::decide(s, cmd, cctx.value());
    if (decision) before = commands::tenant_header(*s.tenant(cmd.tenant_id));
    return decision;
  });
  if (!done) return problem(done.error(), ctx.rid());
  if (!before) {
    // A replay: nothing was decided now. The tenant's own fields are today's; what the request
    // changed comes from its events.
    proc.read(proc.partition_of(cmd.tenant_id), [&](const commands::PartitionState& s) {
      before = commands::tenant_header(*s.tenant(cmd.tenant_id));
    });
  }
  commands::PartitionState after;
  after.tenants[cmd.tenant_id] = std::move(*before);
  for (const auto& e : done->events) commands::evolve(after, e);
  return committed_response(200, tenant_json(after.tenants[cmd.tenant_id]), done.value());
}

}  // namespace regent::api::handlers
