#include "api/handlers/handlers.hpp"
#include "api/problem.hpp"
#include "api/query_params.hpp"
#include "api/support.hpp"
#include "api/wallet_queries.hpp"
#include "commands/validation.hpp"

namespace regent::api::handlers {

Response record_activity(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_record_activity(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());
  if (p->api_key() && in->user_id.empty())
    return problem(core::Error{core::errc::validation_failed, "the request breaks the schema",
                               {{"user_id", "is required with an API key, which has no activities of its own"}}},
                   ctx.rid());
  auto cctx = command_context(ctx, &p.value(), p->tenant.value);
  if (!cctx) return problem(cctx.error(), ctx.rid());

  commands::RecordActivity cmd;
  cmd.tenant_id = p->tenant;
  cmd.activity_id = core::uuid_v7();
  cmd.transaction_id = core::uuid_v7();
  cmd.type = in->type;
  cmd.user_id = in->user_id.empty() ? p->user_id : core::UserId{in->user_id};
  auto& proc = ctx.svc.processor;
  auto done = proc.submit(proc.partition_of(cmd.tenant_id), cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  const auto& events = done->events;
  std::string transaction = events.size() > 1 ? transaction_json(ctx.svc, events.back()) : "null";
  return committed_response(201, "{\"activity\":" + activity_json(events.front()) + ",\"transaction\":" + transaction + "}",
                            done.value());
}

Response list_activities(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  QueryParams q(ctx.req);
  ActivityFilter f;
  f.limit = q.limit();
  f.before_id = q.cursor('a', core::is_uuid).value_or("");
  f.user_id = q.uuid("user_id").value_or("");
  f.type = q.one_of("type", {"report_generation", "form_download"}).value_or("");
  f.from = q.time("from");
  f.to = q.time("to");
  if (auto done = q.finish(); !done) return problem(done.error(), ctx.rid());
  if (!p->may(commands::Action::read_users)) {
    // Everyone sees their own activities; the tenant's need a reading role.
    if (!p->may(commands::Action::read_own) || (!f.user_id.empty() && f.user_id != p->user_id.value))
      return forbidden(ctx, "reading another user's activities needs the admin, manager or analyst role, or the users:read scope");
    f.user_id = p->user_id.value;
  }
  if (auto wait = await_position(ctx, {"activities"})) return *wait;
  auto page = api::list_activities(ctx.svc.queries, p->tenant, f);
  return json_response(200, page_json(page.items, 'a', page.next_key));
}

}  // namespace regent::api::handlers
