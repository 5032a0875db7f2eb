#include <charconv>

#include "api/handlers/handlers.hpp"
#include "api/problem.hpp"
#include "api/queries.hpp"
#include "api/support.hpp"
#include "commands/validation.hpp"

namespace regent::api::handlers {
namespace {

core::Error invalid_query(std::vector<core::FieldError> errors) {
  return core::Error{core::errc::validation_failed, "the query parameters are invalid", std::move(errors)};
}

core::Result<UserFilter> parse_user_filter(const Request& req) {
  UserFilter f;
  std::vector<core::FieldError> errors;
  for (const auto& [k, v] : req.query) {
    if (k == "limit") {
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), f.limit);
      if (ec != std::errc{} || p != v.data() + v.size() || f.limit < 1 || f.limit > 500)
        errors.push_back({"limit", "must be an integer from 1 to 500"});
    } else if (k == "cursor") {
      auto id = decode_cursor(v);
      if (!id) errors.push_back({"cursor", "is not a cursor this server gave"});
      else f.after_id = *id;
    } else if (k == "status") {
      if (v != "active" && v != "deactivated" && v != "erased")
        errors.push_back({"status", "must be one of active, deactivated, erased"});
      f.status = v;
    } else if (k == "role") {
      if (!commands::is_tenant_role(v) && v != "super_admin")
        errors.push_back({"role", "must be one of admin, manager, analyst, viewer, super_admin"});
      f.role = v;
    } else if (k == "q") {
      if (v.size() > 200) errors.push_back({"q", "must be at most 200 characters"});
      f.q = v;
    } else if (k != "tenant") {
      errors.push_back({k, "is not a known parameter"});
    }
  }
  if (!errors.empty()) return invalid_query(std::move(errors));
  return f;
}

bool may_read_users(const Principal& p) { return p.super_admin || p.has_any({"admin", "manager", "analyst"}); }
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

  commands::CreateUser cmd;
  cmd.tenant_id = p->tenant;
  cmd.user_id = core::UserId{core::uuid_v7()};
  cmd.email = in->email;
  cmd.full_name = in->full_name;
  cmd.roles = in->roles;
  cmd.parent_user_id = in->parent_user_id;
  cmd.password_hash = hash_password_bounded(ctx.svc, in->password);
  auto cctx = command_context(ctx, &p.value());
  auto& proc = ctx.svc.processor;
  auto done = proc.submit(proc.partition_of(cmd.tenant_id), cmd, cctx);
  if (!done) return problem(done.error(), ctx.rid());
  commands::UserState u;
  u.id = cmd.user_id;
  u.email = cmd.email;
  u.full_name = cmd.full_name;
  u.roles = cmd.roles;
  u.parent_user_id = cmd.parent_user_id;
  u.version = 1;
  auto resp = committed_response(201, user_json(cmd.tenant_id, u, core::format_rfc3339(cctx.now)), done.value());
  resp.headers.emplace_back("Location", "/v1/users/" + cmd.user_id.value);
  return resp;
}

Response get_user(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  const std::string& id = ctx.params["id"];
  if (!may_read_users(*p) && id != p->user_id.value)
    return problem(core::errc::forbidden, "reading users needs the admin, manager or analyst role", ctx.rid());
  if (auto wait = await_position(ctx, {"users"})) return *wait;
  auto user = find_user(ctx.svc.pg, p->tenant, id);
  if (!user) return problem(core::errc::not_found, "no such user", ctx.rid());
  return json_response(200, *user);
}

Response list_users(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!may_read_users(*p))
    return problem(core::errc::forbidden, "listing users needs the admin, manager or analyst role", ctx.rid());
  auto filter = parse_user_filter(ctx.req);
  if (!filter) return problem(filter.error(), ctx.rid());
  if (auto wait = await_position(ctx, {"users"})) return *wait;
  return json_response(200, page_json(api::list_users(ctx.svc.pg, p->tenant, filter.value())));
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
