// GET /v1/audit: the audit trail, newest first, by actor, action (exact, or `prefix.*`), resource
// and time; admins and analysts, API keys with audit:read.
#include "api/audit_queries.hpp"
#include "api/handlers/handlers.hpp"
#include "api/problem.hpp"
#include "api/query_params.hpp"
#include "api/support.hpp"
#include "events/event_types.hpp"

namespace regent::api::handlers {
namespace {

bool is_action(std::string_view a) {
  auto dot = a.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 1 == a.size()) return false;
  for (char c : a)
    if (!(c == '.' || c == '_' || (c >= 'a' && c <= 'z'))) return false;
  return a.find('.', dot + 1) == std::string_view::npos;
}

// The filters of the listing (and of the export and the stats to come), or 422 naming each bad one.
core::Result<AuditFilter> audit_filter(const Request& req) {
  QueryParams q(req);
  AuditFilter f;
  f.limit = q.limit();
  f.before_id = q.cursor('e', core::is_uuid).value_or("");
  f.actor_id = q.text("actor_id", 64).value_or("");
  if (auto action = q.text("action", 100)) {
    if (action->size() > 2 && action->ends_with(".*") && is_action(action->substr(0, action->size() - 2) + ".x"))
      f.action_group = action->substr(0, action->size() - 2);
    else if (is_action(*action))
      f.action = *action;
    else
      q.fail("action", "must be an event type (user.created) or a prefix of one (user.*)");
  }
  f.resource_type = q.text("resource_type", 64).value_or("");
  f.resource_id = q.text("resource_id", 200).value_or("");
  f.from = q.time("from");
  f.to = q.time("to");
  if (!f.resource_id.empty() && f.resource_type.empty()) q.fail("resource_type", "is required with resource_id");
  if (auto done = q.finish(); !done) return done.error();
  return f;
}
}  // namespace

Response list_audit(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->may(commands::Action::read_audit))
    return forbidden(ctx, "reading the audit trail needs the admin or analyst role, or the audit:read scope");
  auto f = audit_filter(ctx.req);
  if (!f) return problem(f.error(), ctx.rid());
  if (auto wait = await_position(ctx, {"audit"})) return *wait;
  auto page = api::list_audit(ctx.svc.queries, p->tenant, *f);
  return json_response(200, page_json(page.items, 'e', page.next_key));
}

}  // namespace regent::api::handlers
