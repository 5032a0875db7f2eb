#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "api/handlers/handlers.hpp"
#include "core/pg_queries.hpp"
#include "api/problem.hpp"
#include "api/support.hpp"
#include "commands/processor.hpp"
#include "core/metrics.hpp"
#include "core/pg_pool.hpp"
#include "core/resources.hpp"
#include "projections/checkpoints.hpp"

namespace regent::api::handlers {

Response healthz(Ctx&) { return json_response(200, R"({"status":"ok"})"); }

// Ready means able to take commands and queries: Kafka and Postgres reachable. A projection
// stalled on an event it cannot apply does not take the API out of rotation (its reads are stale,
// not wrong), but is reported here, by the projection workers' own /readyz, and in /metrics.
Response readyz(Ctx& ctx) {
  bool kafka = ctx.svc.processor.ready() && ctx.svc.log_reachable();
  bool postgres = false;
  boost::json::array stalled;
  try {
    auto conn = ctx.svc.pg.lease(std::chrono::milliseconds(1000));
    pqxx::nontransaction tx(*conn);
    tx.exec("SELECT 1");
    postgres = true;
    for (const auto& r : tx.exec(R"(
          SELECT projection, partition, stalled_offset, stalled_event_type, stalled_event_id
          FROM projection_checkpoints WHERE stalled_offset IS NOT NULL ORDER BY projection, partition)"))
      stalled.push_back(boost::json::object{{"projection", r[0].as<std::string>()},
                                            {"partition", r[1].as<int>()},
                                            {"offset", r[2].as<int64_t>()},
                                            {"event_type", r[3].as<std::string>()},
                                            {"event_id", r[4].as<std::string>()}});
  } catch (const std::exception&) {
  }
  bool ready = kafka && postgres;
  boost::json::object body{{"status", ready ? "ready" : "unavailable"},
                           {"checks", {{"kafka", kafka}, {"postgres", postgres}, {"projections", stalled.empty()}}}};
  if (!stalled.empty()) body["stalled_projections"] = std::move(stalled);
  Response r = json_response(ready ? 200 : 503, boost::json::serialize(body));
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
  // Swagger UI on /openapi.json, every file served from the binary: no outside requests.
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string(core::resource("api/docs.html"));
  return r;
}

Response redoc(Ctx&) {
  // The same document as one reading page (ReDoc, embedded like Swagger UI: /docs/redoc-LICENSE).
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string(core::resource("api/redoc.html"));
  return r;
}

Response docs_asset(Ctx& ctx) {
  static const std::pair<std::string_view, std::string_view> kAssets[] = {
      {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
      {"swagger-ui.css", "text/css; charset=utf-8"},
      {"LICENSE", "text/plain; charset=utf-8"},
      {"NOTICE", "text/plain; charset=utf-8"},
      {"redoc.standalone.js", "text/javascript; charset=utf-8"},
      {"redoc-LICENSE", "text/plain; charset=utf-8"}};
  const std::string& name = ctx.params["file"];
  for (const auto& [file, type] : kAssets)
    if (name == file) {
      Response r;
      r.content_type = std::string(type);
      r.body = std::string(core::resource("generated/docs-ui/" + name));
      r.headers.emplace_back("Cache-Control", "public, max-age=86400");
      return r;
    }
  return problem(core::errc::not_found, "no such file of the API explorer", ctx.rid());
}

}  // namespace regent::api::handlers
