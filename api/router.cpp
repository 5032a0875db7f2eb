#include "api/router.hpp"

#include <atomic>
#include <chrono>

#include "api/forwarder.hpp"
#include "api/problem.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/waiting.hpp"

namespace regent::api {
namespace {
const core::Logger logger("api");

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool match(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
  auto ps = split(pattern), xs = split(path);
  if (ps.size() != xs.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (ps[i].size() > 2 && ps[i].front() == '{') {
      if (xs[i].empty()) return false;
      found[std::string(ps[i].substr(1, ps[i].size() - 2))] = std::string(xs[i]);
    } else if (ps[i] != xs[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

// Requests being handled right now (regent_http_requests_in_flight): what a graceful stop waits for.
class InFlight {
 public:
  InFlight() { publish(++count_); }
  ~InFlight() { publish(--count_); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  static void publish(int n) { core::Metrics::global().gauge_set("regent_http_requests_in_flight", {}, n); }
  static inline std::atomic<int> count_{0};
};
}  // namespace

Response Router::dispatch(Request& req, Services& svc) const {
  InFlight in_flight;
  auto started = std::chrono::steady_clock::now();
  Ctx ctx{req, svc, {}, {}, {}};
  const Route* route = nullptr;
  bool path_known = false;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match(r.pattern, req.path, params)) continue;
    path_known = true;
    if (r.method == req.method) {
      route = &r;
      ctx.params = std::move(params);
      break;
    }
  }
  Response resp;
  if (route && req.malformed_query) {
    resp = problem(core::Error{core::errc::validation_failed, "the query string is not valid percent-encoding",
                               {{"query", "is not valid percent-encoding"}}},
                   req.request_id);
  } else if (route) {
    auto elsewhere = serve_elsewhere(req, svc);
    if (elsewhere) resp = std::move(*elsewhere);
    else if (route->runs == Runs::io) resp = route->handler(ctx);
    else core::run_blocking([&] { resp = route->handler(ctx); });
  } else if (path_known) {
    resp = problem(core::errc::method_not_allowed, "method " + req.method + " is not allowed here", req.request_id);
  } else {
    resp = problem(core::errc::not_found, "no such resource", req.request_id);
  }
  std::string name = route ? route->pattern : "unmatched";
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto& m = core::Metrics::global();
  m.counter_add("regent_http_requests_total", {{"route", name}, {"method", req.method}, {"status", std::to_string(resp.status)}});
  m.histogram_observe("regent_http_request_duration_seconds", {{"route", name}}, secs);
  logger.info("request", {{"request_id", req.request_id}, {"method", req.method}, {"route", name},
                          {"status", std::to_string(resp.status)}, {"ms", std::to_string(secs * 1000)},
                          {"tenant_id", ctx.tenant_id}, {"actor_id", ctx.actor_id}});
  return resp;
}

}  // namespace regent::api
