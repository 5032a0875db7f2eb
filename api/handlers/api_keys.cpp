// API keys: POST /v1/api-keys, GET /v1/api-keys, DELETE /v1/api-keys/{id} (api/api_keys.hpp says
// what a key is made of).
#include <boost/json/object.hpp>

#include "api/api_keys.hpp"
#include "api/handlers/handlers.hpp"
#include "api/problem.hpp"
#include "api/queries.hpp"
#include "api/query_params.hpp"
#include "api/support.hpp"
#include "commands/validation.hpp"
#include "core/crypto.hpp"

namespace regent::api::handlers {
namespace {
using commands::Action;
constexpr const char* kRefused = "API keys need the admin role or the admin scope";
}  // namespace

Response create_api_key(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->may(Action::administer)) return forbidden(ctx, kRefused);
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_api_key(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());
  auto cctx = command_context(ctx, &p.value(), p->tenant.value);
  if (!cctx) return problem(cctx.error(), ctx.rid());

  commands::CreateApiKey cmd;
  cmd.tenant_id = p->tenant;
  cmd.key_id = core::uuid_v7();
  cmd.name = in->name;
  cmd.scopes = in->scopes;
  cmd.nonce = core::random_token(32);
  cmd.expires_at = in->expires_at;
  auto made = derive_api_key(ctx.svc, p->tenant, cmd.key_id, cmd.nonce);
  cmd.key_hash = made.hash;
  cmd.prefix = made.prefix;
  auto& proc = ctx.svc.processor;
  auto done = proc.submit(proc.partition_of(cmd.tenant_id), cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  // From the event, so that a retry with the same Idempotency-Key gets the first answer's key.
  const auto& e = done->events.front();
  auto doc = core::JsonDocument::parse(e.data);
  auto d = doc->root();
  std::string id = core::get_text(d, "api_key_id");
  auto key = derive_api_key(ctx.svc, p->tenant, id, core::get_text(d, "nonce"));
  auto expires = core::get_string(d, "expires_at");
  boost::json::object out{{"id", id},
                          {"key", key.key},
                          {"prefix", key.prefix},
                          {"name", core::get_text(d, "name")},
                          {"scopes", core::to_boost(d["scopes"].value())},
                          {"created_by", e.actor_id},
                          {"created_at", e.time},
                          {"expires_at", expires ? boost::json::value(*expires) : boost::json::value(nullptr)},
                          {"last_used_at", nullptr},
                          {"revoked_at", nullptr},
                          {"version", e.sequence}};
  auto resp = committed_response(201, core::to_json(out), done.value());
  resp.headers.emplace_back("Cache-Control", "no-store");
  resp.headers.emplace_back("Location", "/v1/api-keys/" + id);
  return resp;
}

Response list_api_keys(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->may(Action::administer)) return forbidden(ctx, kRefused);
  QueryParams q(ctx.req);
  ApiKeyFilter f;
  f.limit = q.limit();
  f.after_id = q.cursor('k', core::is_uuid).value_or("");
  f.include_inactive = q.one_of("status", {"active", "all"}).value_or("active") == "all";
  if (auto done = q.finish(); !done) return problem(done.error(), ctx.rid());
  if (auto wait = await_position(ctx, {"api_keys"})) return *wait;
  auto page = api::list_api_keys(ctx.svc.queries, p->tenant, f);
  return json_response(200, page_json(page.items, 'k', page.next_key));
}

Response revoke_api_key(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->may(Action::administer)) return forbidden(ctx, kRefused);
  const std::string& id = ctx.params["id"];
  if (!core::is_uuid(id)) return problem(core::errc::not_found, "no such API key", ctx.rid());
  auto cctx = command_context(ctx, &p.value(), p->tenant.value);
  if (!cctx) return problem(cctx.error(), ctx.rid());
  auto& proc = ctx.svc.processor;
  auto done = proc.submit(proc.partition_of(p->tenant), commands::RevokeApiKey{p->tenant, id}, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  auto r = committed_response(204, "", done.value());
  r.content_type.clear();
  return r;
}

}  // namespace regent::api::handlers
