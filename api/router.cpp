#include "api/router.hpp"

#include <atomic>
#include <chrono>

#include "api/forwarder.hpp"
#include "api/queries.hpp"
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

bool match(const std::vector<Router::Segment>& pattern, const std::vector<std::string_view>& path,
           std::map<std::string, std::string>& params) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i)
    if (pattern[i].param.empty() ? pattern[i].text != path[i] : path[i].empty()) return false;
  params.clear();
  for (size_t i = 0; i < pattern.size(); ++i)
    if (!pattern[i].param.empty()) params[pattern[i].param] = std::string(path[i]);
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

Router::Router(std::vector<Route> routes) : routes_(std::move(routes)) {
  for (const auto& r : routes_) {
    std::vector<Segment> segments;
    for (auto segment : split(r.pattern)) {
      bool param = segment.size() > 2 && segment.front() == '{';
      segments.push_back(param ? Segment{{}, std::string(segment.substr(1, segment.size() - 2))}
                               : Segment{std::string(segment), {}});
    }
    segments_.push_back(std::move(segments));
  }
}

namespace {
// A query Postgres could not answer is answered with its error (503 with Retry-After), whichever
// handler ran it.
Response run_handler(const Route& route, Ctx& ctx) {
  auto run = [&] {
    try {
      return route.handler(ctx);
    } catch (const QueryFailed& failed) {
      return problem(failed.error, ctx.rid());
    }
  };
  if (route.runs == Runs::io) return run();
  Response resp;
  core::run_blocking([&] { resp = run(); });
  return resp;
}
}  // namespace

Response Router::dispatch(Request& req, Services& svc) const {
  InFlight in_flight;
  auto started = std::chrono::steady_clock::now();
  Ctx ctx{req, svc, {}, {}, {}};
  const Route* route = nullptr;
  bool path_known = false;
  auto path = split(req.path);
  for (size_t i = 0; i < routes_.size(); ++i) {
    std::map<std::string, std::string> params;
    if (!match(segments_[i], path, params)) continue;
    path_known = true;
    if (routes_[i].method == req.method) {
      route = &routes_[i];
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
    else resp = run_handler(*route, ctx);
  } else if (path_known) {
    resp = problem(core::errc::method_not_allowed, "method " + req.method + " is not allowed here", req.request_id);
  } else {
    resp = problem(core::errc::not_found, "no such resource", req.request_id);
  }
  std::string name = route ? route->pattern : "unmatched";
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto& m = core::Metrics::global();
  m.counter_add("regent_http_requests_total", {{"route", name}, {"method", req.method}, {"status", std::to_string(resp.status)}});
  m.histogram_observe("regent_http_request_duration_seconds",
                      {{"route", name}, {"status_class", std::string(1, char('0' + resp.status / 100)) + "xx"}}, secs);
  if (core::log_enabled(core::LogLevel::info))  // its fields cost more than the check
    logger.info("request", {{"request_id", req.request_id}, {"trace_id", req.trace.trace_id},
                            {"method", req.method}, {"route", name},
                            {"status", resp.status}, {"ms", secs * 1000},
                            {"tenant_id", ctx.tenant_id}, {"actor_id", ctx.actor_id}});
  return resp;
}

}  // namespace regent::api
