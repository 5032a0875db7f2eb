#include "workers/worker_endpoints.hpp"

#include "api/problem.hpp"
#include "core/metrics.hpp"

namespace regent::workers {

api::Response worker_endpoint(const api::Request& req, std::string_view role, const std::function<Readiness()>& readiness) {
  api::Response r;
  if (req.path == "/healthz") {
    r.body = R"({"status":"ok"})";
  } else if (req.path == "/metrics") {
    r.content_type = "text/plain; version=0.0.4";
    r.body = core::Metrics::global().render();
  } else if (req.path == "/readyz") {
    auto now = readiness();
    r.status = now.ready ? 200 : 503;
    r.body = std::move(now.body);
    if (!now.ready) r.headers.emplace_back("Retry-After", "1");
  } else {
    r = api::problem(core::errc::not_found, std::string(role) + " serves /healthz, /readyz and /metrics only", req.request_id);
  }
  return r;
}

}  // namespace regent::workers
