#pragma once
// The scheduler (`regent worker scheduler`, and inside `regent dev`): turns approved permissions
// whose expires_at has passed into permission.expired, by sending each one's expiry to the API as a
// command, so that the partition's writer decides it; and, when a retention is configured, deletes
// the audit entries older than it (docs/audit.md). It keeps nothing of its own: what is due
// comes from the permissions read model on every pass, and the command's own check (approved, and
// due) is the guard, so that two schedulers, a scheduler restarted mid-pass or an expiry racing a
// revocation still record exactly one outcome.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <string>
#include <thread>
#include <vector>

namespace regent::api {
class Forwarder;
}

namespace regent::workers {

struct SchedulerOptions {
  std::string pg_url;
  std::vector<std::string> api_urls;  // serve instances (any of them forwards to the owner)
  std::string secret;                 // REGENT_JWT_SECRET: signs its service tokens
  std::chrono::milliseconds interval{15000};
  int batch = 500;  // the most expiries one pass sends
  int audit_retention_days = 0;  // 0: the audit trail keeps every entry
  int prune_batch = 10000;           // entries one DELETE removes (a pass repeats it)
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerOptions options);
  ~Scheduler();

  void start();
  void stop();
  // Whether the last pass could read Postgres.
  bool healthy() const { return healthy_; }
  // One pass: every due expiry sent; how many were recorded by it.
  int pass();
  // The retention job's part of a pass: how many audit entries it deleted.
  int64_t prune_audit();

 private:
  void run();
  pqxx::connection& connection();  // made on first use, and again after a failed pass
  bool send_expiry(const std::string& tenant, const std::string& permission);

  SchedulerOptions options_;
  std::unique_ptr<api::Forwarder> client_;
  std::unique_ptr<pqxx::connection> conn_;
  size_t next_url_ = 0;
  std::atomic<bool> healthy_{false};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  std::thread thread_;
};

// REGENT_API_URL's comma-separated list.
std::vector<std::string> split_urls(const std::string& list);

}  // namespace regent::workers
