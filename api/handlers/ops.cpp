#include <pqxx/pqxx>

#include "api/handlers/handlers.hpp"
#include "api/problem.hpp"
#include "api/support.hpp"
#include "commands/processor.hpp"
#include "core/metrics.hpp"
#include "core/pg_pool.hpp"
#include "core/resources.hpp"
#include "projections/checkpoints.hpp"

namespace regent::api::handlers {

Response healthz(Ctx&) { return json_response(200, R"({"status":"ok"})"); }

Response readyz(Ctx& ctx) {
  bool kafka = ctx.svc.processor.ready() && ctx.svc.log_reachable();
  bool postgres = false;
  try {
    auto conn = ctx.svc.pg.lease(std::chrono::milliseconds(1000));
    pqxx::nontransaction tx(*conn);
    tx.exec("SELECT 1");
    postgres = true;
  } catch (const std::exception&) {
  }
  std::string body = std::string("{\"status\":\"") + (kafka && postgres ? "ready" : "unavailable") +
                     "\",\"checks\":{\"kafka\":" + (kafka ? "true" : "false") +
                     ",\"postgres\":" + (postgres ? "true" : "false") + "}}";
  Response r = json_response(kafka && postgres ? 200 : 503, body);
  if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

Response metrics(Ctx&) {
  Response r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = core::Metrics::global().render();
  return r;
}

Response openapi(Ctx&) {
  Response r;
  r.body = std::string(core::resource("generated/openapi.json"));
  return r;
}

Response docs(Ctx&) {
  // A self-contained page: the reference is rendered from /openapi.json with no outside requests.
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string(core::resource("api/docs.html"));
  return r;
}

}  // namespace regent::api::handlers
