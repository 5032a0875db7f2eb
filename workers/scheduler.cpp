#include "workers/scheduler.hpp"

#include <iostream>
#include <pqxx/pqxx>

#include "api/audit_queries.hpp"
#include "api/forwarder.hpp"
#include "api/http.hpp"
#include "api/service_tokens.hpp"
#include "api/trace_context.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/thread_name.hpp"
#include "api/http_server.hpp"
#include "core/waiting.hpp"
#include "projections/migrations.hpp"
#include "workers/roles.hpp"
#include "workers/signals.hpp"
#include "workers/worker_endpoints.hpp"

namespace regent::workers {
namespace {
const core::Logger logger("scheduler");

// Oldest first, so that a backlog (after a downtime) is worked off in the order it fell due.
constexpr const char* kDue = R"(
  SELECT tenant_id::text, id::text FROM permissions
  WHERE status = 'approved' AND expires_at IS NOT NULL AND expires_at <= now()
  ORDER BY expires_at, id
  LIMIT $1)";

// Ids are UUIDv7: those below the cutoff's smallest id were written before it. Walks the primary
// key from its oldest end, a bounded batch per statement, so that no statement holds many locks
// or runs long while the projection inserts; the daily counts lose what it deletes in the same
// statement, so that the stats stay the listing's.
constexpr const char* kPrune = R"(
  WITH gone AS (
    DELETE FROM audit_entries WHERE id IN (SELECT id FROM audit_entries WHERE id < $1::uuid ORDER BY id LIMIT $2)
    RETURNING tenant_id, (at AT TIME ZONE 'UTC')::date AS day, action, actor_type, COALESCE(actor_id, '') AS actor_id),
  by_action AS (
    UPDATE audit_daily_actions d SET n = d.n - g.n
    FROM (SELECT tenant_id, day, action, count(*) AS n FROM gone GROUP BY 1, 2, 3) g
    WHERE d.tenant_id = g.tenant_id AND d.day = g.day AND d.action = g.action),
  by_actor AS (
    UPDATE audit_daily_actors d SET n = d.n - g.n
    FROM (SELECT tenant_id, day, actor_type, actor_id, count(*) AS n FROM gone GROUP BY 1, 2, 3, 4) g
    WHERE d.tenant_id = g.tenant_id AND d.day = g.day AND d.actor_type = g.actor_type AND d.actor_id = g.actor_id)
  SELECT count(*) FROM gone)";

// Counts that reached zero, once a pass deleted what it would.
constexpr const char* kPruneCounts = R"(
  WITH a AS (DELETE FROM audit_daily_actions WHERE n <= 0)
  DELETE FROM audit_daily_actors WHERE n <= 0)";
}  // namespace

std::vector<std::string> split_urls(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string url = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!url.empty()) out.push_back(url);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Scheduler::Scheduler(SchedulerOptions options)
    : options_(std::move(options)),
      client_(std::make_unique<api::Forwarder>(options_.secret, std::chrono::milliseconds(10000))) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  thread_ = std::thread([this] {
    core::name_this_thread("regent-schedule");
    run();
  });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::run() {
  while (!stop_) {
    try {
      pass();
    } catch (const std::exception& ex) {
      healthy_ = false;
      conn_.reset();  // a new connection on the next pass
      logger.warn("a scheduler pass failed; trying again on the next", {{"error", ex.what()}});
    }
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, options_.interval, [&] { return stop_.load(); });
  }
}

pqxx::connection& Scheduler::connection() {
  if (!conn_) conn_ = std::make_unique<pqxx::connection>(options_.pg_url);
  return *conn_;
}

int Scheduler::pass() {
  std::vector<std::pair<std::string, std::string>> due;
  {
    pqxx::nontransaction tx(connection());
    for (const auto& row : tx.exec_params(kDue, options_.batch)) due.emplace_back(row[0].c_str(), row[1].c_str());
  }
  healthy_ = true;
  auto& metrics = core::Metrics::global();
  metrics.gauge_set("regent_scheduler_due", {}, double(due.size()));
  int recorded = 0;
  for (const auto& [tenant, permission] : due) {
    if (stop_) break;
    recorded += send_expiry(tenant, permission);
  }
  prune_audit();
  metrics.counter_add("regent_scheduler_passes_total", {});
  return recorded;
}

int64_t Scheduler::prune_audit() {
  if (options_.audit_retention_days <= 0) return 0;
  core::UnixMillis cutoff = core::now_millis() - int64_t{options_.audit_retention_days} * 24 * 3600 * 1000;
  std::string below = api::uuid_floor(cutoff);
  int64_t total = 0;
  for (;;) {
    pqxx::work tx(connection());
    auto n = tx.exec_params1(kPrune, below, options_.prune_batch)[0].as<size_t>();
    if (n < size_t(options_.prune_batch)) tx.exec(kPruneCounts);
    tx.commit();
    total += int64_t(n);
    core::Metrics::global().counter_add("regent_audit_pruned_total", {}, double(n));
    if (n < size_t(options_.prune_batch) || stop_) break;
  }
  if (total > 0)
    logger.info("audit entries past their retention deleted",
                {{"deleted", total}, {"retention_days", options_.audit_retention_days}});
  return total;
}

// True when this request recorded the expiry. 409 means another scheduler, a revocation or an
// earlier pass settled it first (the read model had not caught up): nothing more to do.
bool Scheduler::send_expiry(const std::string& tenant, const std::string& permission) {
  auto& metrics = core::Metrics::global();
  api::Request req;
  req.method = "POST";
  req.path = req.target = "/v1/permissions/" + permission + "/expire";
  req.request_id = core::uuid_v7();
  req.trace = api::trace_context(std::nullopt, std::nullopt);  // a trace of its own per expiry
  req.headers["authorization"] =
      "Bearer " + api::service_token(options_.secret, core::TenantId{tenant}, core::now_millis() / 1000);
  req.headers["user-agent"] = "regent-scheduler";
  for (size_t tried = 0; tried < options_.api_urls.size(); ++tried) {
    const std::string& url = options_.api_urls[next_url_ % options_.api_urls.size()];
    auto answer = client_->send(req, url);
    if (!answer) {
      ++next_url_;  // that instance is unreachable: the next one
      continue;
    }
    if (answer->status == 200) {
      metrics.counter_add("regent_scheduler_expiries_total", {{"outcome", "expired"}});
      logger.info("permission expired", {{"tenant_id", tenant}, {"permission_id", permission}, {"request_id", req.request_id}});
      return true;
    }
    if (answer->status == 409) {
      metrics.counter_add("regent_scheduler_expiries_total", {{"outcome", "settled"}});
      return false;
    }
    metrics.counter_add("regent_scheduler_expiries_total", {{"outcome", "failed"}});
    logger.warn("an expiry was not recorded; the next pass tries again",
                {{"tenant_id", tenant}, {"permission_id", permission}, {"status", answer->status},
                 {"request_id", req.request_id}});
    return false;
  }
  metrics.counter_add("regent_scheduler_expiries_total", {{"outcome", "failed"}});
  logger.warn("no API instance could be reached; the next pass tries again", {{"permission_id", permission}});
  return false;
}

int run_scheduler_worker(const core::Config& config) {
  auto urls = split_urls(config.api_url);
  if (urls.empty()) {
    logger.error("REGENT_API_URL is required: where serve instances listen (http://host:port, comma-separated)");
    return 2;
  }
  if (config.jwt_secret.size() < 32) {
    logger.error("REGENT_JWT_SECRET is required: the serve instances' own, which signs the scheduler's requests");
    return 2;
  }
  projections::migrate(config.pg_url);
  SchedulerOptions options{config.pg_url, urls, config.jwt_secret, std::chrono::milliseconds(config.scheduler_interval_ms)};
  options.audit_retention_days = config.audit_retention_days;
  Scheduler scheduler(std::move(options));
  scheduler.start();
  api::ServerOptions http;
  http.address = config.http_addr;
  http.port = config.http_port;
  http.handler_threads = 1;
  api::HttpServer server(http, [&](api::Request& req) {
    return worker_endpoint(req, "the scheduler", [&] {
      bool ok = scheduler.healthy();  // its last pass read Postgres
      return Readiness{ok, std::string(R"({"status":")") + (ok ? "ready" : "unavailable") +
                               R"(","checks":{"postgres":)" + (ok ? "true" : "false") + "}}"};
    });
  });
  server.start();
  logger.info("scheduler running", {{"api", config.api_url}, {"interval_ms", config.scheduler_interval_ms}});
  std::cout << "regent scheduler listening on http://" << config.http_addr << ":" << server.port() << "\n"
            << "regent scheduler running" << std::endl;
  wait_for_stop_signal();
  server.shutdown(std::chrono::seconds(2));
  scheduler.stop();
  return 0;
}

}  // namespace regent::workers
