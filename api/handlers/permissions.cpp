// Permission requests: POST /v1/permissions, its approve, reject, revoke and expire actions, and
// GET /v1/permissions[/{id}]. Approvers (who may decide permissions) see the tenant's; anyone else
// sees only their own, and another user's permission is not found for them.
#include <boost/json/object.hpp>

#include "api/handlers/handlers.hpp"
#include "api/personal.hpp"
#include "api/permission_queries.hpp"
#include "api/problem.hpp"
#include "api/query_params.hpp"
#include "api/support.hpp"
#include "commands/permissions.hpp"
#include "commands/validation.hpp"

namespace regent::api::handlers {
namespace {
using commands::Action;
using commands::PermissionAction;
constexpr const char* kMayNotDecide = "deciding permissions needs the admin or manager role, or the permissions:write scope";

boost::json::value text_or_null(const std::string& s) {
  return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
}

// A permission as the API shows it, from the write side's state (the same fields, in the same
// order, as api/permission_queries.cpp reads from the read model); its reasons are sealed under
// its user's key.
std::string permission_json(const Services& svc, const commands::PermissionState& p) {
  auto key = p.reason.empty() && p.decision_reason.empty() ? std::nullopt : data_key(svc, p.user_id);
  boost::json::object o{{"id", p.id},
                        {"user_id", p.user_id.value},
                        {"resource", p.resource},
                        {"level", p.level},
                        {"status", p.status},
                        {"reason", shown(key, p.reason, "reason")},
                        {"requested_by", p.requested_by},
                        {"decided_by", text_or_null(p.decided_by)},
                        {"decision_reason", shown(key, p.decision_reason, "reason")},
                        {"requested_at", p.requested_at},
                        {"decided_at", text_or_null(p.decided_at)},
                        {"expires_at", p.expires_at ? boost::json::value(core::format_rfc3339(p.expires_at))
                                                    : boost::json::value(nullptr)},
                        {"version", p.version}};
  return core::to_json(o);
}

std::optional<commands::PermissionState> permission_state(const Services& svc, const core::TenantId& tenant,
                                                         const std::string& id) {
  return tenant_state(svc, tenant, [&](const commands::TenantState& t) -> std::optional<commands::PermissionState> {
    if (const auto* p = t.permission(id)) return *p;
    return std::nullopt;
  });
}

// The answer to a command on one permission: the permission as the write side has it once the
// command's events are in.
Response permission_answer(Ctx& ctx, int status, const core::TenantId& tenant, const std::string& id,
                           const commands::Committed& done) {
  auto found = permission_state(ctx.svc, tenant, id);
  if (!found) return problem(core::errc::not_found, "no such permission", ctx.rid());
  auto resp = committed_response(status, permission_json(ctx.svc, *found), done);
  if (status == 201) resp.headers.emplace_back("Location", "/v1/permissions/" + id);
  return resp;
}

// Sees every permission of the tenant, or only the caller's own.
bool sees_all(const Principal& p) { return p.may(Action::decide_permission); }

Response decide(Ctx& ctx, PermissionAction action) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  bool allowed = action == PermissionAction::expire ? (p->service || p->may(Action::decide_permission))
                                                    : p->may(Action::decide_permission);
  if (!allowed) return forbidden(ctx, kMayNotDecide);
  const std::string& id = ctx.params["id"];
  if (!core::is_uuid(id)) return problem(core::errc::not_found, "no such permission", ctx.rid());
  // No body reads as {} (a reject without one is then 422 for its reason).
  auto body = ctx.req.body.empty() ? core::Result<std::unique_ptr<core::JsonDocument>>(core::JsonDocument::parse("{}"))
                                   : json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_permission_decision(body.value()->root(), commands::to_string(action));
  if (!in) return problem(in.error(), ctx.rid());
  auto expected = if_match(ctx.req);
  if (!expected) return problem(expected.error(), ctx.rid());
  auto cctx = command_context(ctx, &p.value(), p->tenant.value);
  if (!cctx) return problem(cctx.error(), ctx.rid());
  commands::DecidePermission cmd{p->tenant, id, action, in->expires_at, in->reason, expected.value()};
  // A reason is sealed under the permission's user's key.
  if (!in->reason.empty())
    if (auto known = permission_state(ctx.svc, p->tenant, id)) fetch_data_key(ctx.svc, p->tenant, known->user_id);
  auto& proc = ctx.svc.processor;
  auto done = proc.submit(proc.partition_of(p->tenant), cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  return permission_answer(ctx, 200, p->tenant, id, done.value());
}
}  // namespace

Response request_permission(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->may(Action::request_permission))
    return forbidden(ctx, "requesting permissions needs a role in the tenant or the permissions:write scope");
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_permission_request(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());
  std::string user = in->user_id.empty() ? p->user_id.value : in->user_id;
  if (user.empty())
    return problem(core::Error{core::errc::validation_failed, "the request breaks the schema",
                               {{"user_id", "is required when an API key asks"}}},
                   ctx.rid());
  auto cctx = command_context(ctx, &p.value(), p->tenant.value);
  if (!cctx) return problem(cctx.error(), ctx.rid());
  commands::RequestPermission cmd{p->tenant, core::uuid_v7(), core::UserId{user}, in->resource, in->level, in->reason,
                                  in->expires_at};
  fetch_data_key(ctx.svc, p->tenant, cmd.user_id);
  auto& proc = ctx.svc.processor;
  auto done = proc.submit(proc.partition_of(cmd.tenant_id), cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  // The permission the command's events made (a retry with the same Idempotency-Key gets the first one's).
  auto doc = core::JsonDocument::parse(done->events.front().data);
  return permission_answer(ctx, 201, p->tenant, core::get_text(doc->root(), "permission_id"), done.value());
}

Response approve_permission(Ctx& ctx) { return decide(ctx, PermissionAction::approve); }
Response reject_permission(Ctx& ctx) { return decide(ctx, PermissionAction::reject); }
Response revoke_permission(Ctx& ctx) { return decide(ctx, PermissionAction::revoke); }
Response expire_permission(Ctx& ctx) { return decide(ctx, PermissionAction::expire); }

Response get_permission(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!sees_all(*p) && !p->may(Action::read_own))
    return forbidden(ctx, "reading permissions needs a role in the tenant or the permissions:write scope");
  if (auto wait = await_position(ctx, {"permissions"})) return *wait;
  auto found = find_permission(ctx.svc.queries, p->tenant, ctx.params["id"]);
  if (!found || (!sees_all(*p) && found->user_id != p->user_id.value))
    return problem(core::errc::not_found, "no such permission", ctx.rid());
  return json_response(200, found->json);
}

Response list_permissions(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!sees_all(*p) && !p->may(Action::read_own))
    return forbidden(ctx, "reading permissions needs a role in the tenant or the permissions:write scope");
  QueryParams q(ctx.req);
  PermissionFilter f;
  f.limit = q.limit();
  f.before_id = q.cursor('p', core::is_uuid).value_or("");
  f.status = q.one_of("status", {"pending", "approved", "rejected", "revoked", "expired"}).value_or("");
  f.user_id = q.uuid("user_id").value_or("");
  f.resource = q.text("resource", 500).value_or("");
  if (auto done = q.finish(); !done) return problem(done.error(), ctx.rid());
  if (!sees_all(*p)) {
    if (!f.user_id.empty() && f.user_id != p->user_id.value)
      return forbidden(ctx, "only approvers see other users' permissions");
    f.user_id = p->user_id.value;
  }
  if (auto wait = await_position(ctx, {"permissions"})) return *wait;
  auto page = api::list_permissions(ctx.svc.queries, p->tenant, f);
  return json_response(200, page_json(page.items, 'p', page.next_key));
}

}  // namespace regent::api::handlers
