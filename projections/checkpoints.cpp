#include "projections/checkpoints.hpp"

#include "core/waiting.hpp"

#include <pqxx/pqxx>

#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace regent::projections {
namespace {
const core::Logger logger("projections");

class Wakeup final : public pqxx::notification_receiver {
 public:
  Wakeup(pqxx::connection_base& c, bool& flag) : pqxx::notification_receiver(c, "regent_checkpoints"), flag_(flag) {}
  void operator()(const std::string&, int) override { flag_ = true; }

 private:
  bool& flag_;
};
}  // namespace

CheckpointWatcher::CheckpointWatcher(std::string pg_url) : pg_url_(std::move(pg_url)) {}

CheckpointWatcher::~CheckpointWatcher() { stop(); }

void CheckpointWatcher::start() { thread_ = core::named_thread("regent-notify", [this] { run(); }); }

void CheckpointWatcher::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void CheckpointWatcher::run() {
  while (!stop_) {
    try {
      pqxx::connection conn(pg_url_);
      bool notified = true;  // read once at start
      Wakeup wakeup(conn, notified);
      while (!stop_) {
        if (notified) {
          notified = false;
          std::map<std::string, std::map<int32_t, int64_t>> fresh;
          {
            pqxx::read_transaction tx(conn);
            for (const auto& row : tx.exec("SELECT projection, partition, next_offset FROM projection_checkpoints"))
              fresh[row[0].as<std::string>()][row[1].as<int32_t>()] = row[2].as<int64_t>();
          }
          {
            std::lock_guard lock(mu_);
            next_ = std::move(fresh);
          }
          cv_.notify_all();
        }
        // Wakes on NOTIFY; the timeout only bounds how long stop() waits.
        conn.await_notification(0, 200'000);
      }
    } catch (const std::exception& ex) {
      logger.warn("checkpoint watcher lost Postgres; retrying", {{"error", ex.what()}});
      for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

bool CheckpointWatcher::reached(const std::vector<std::string>& names, int32_t partition, int64_t offset) const {
  for (const auto& n : names) {
    auto it = next_.find(n);
    if (it == next_.end()) return false;
    auto jt = it->second.find(partition);
    if (jt == it->second.end() || jt->second <= offset) return false;
  }
  return true;
}

bool CheckpointWatcher::wait(const std::vector<std::string>& names, int32_t partition, int64_t offset,
                             std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(mu_);
    if (reached(names, partition, offset)) return true;  // the usual case: no wait at all
  }
  // Behind: wait where blocking is allowed, not on an I/O thread serving other connections.
  bool done = false;
  core::run_blocking([&] {
    std::unique_lock lock(mu_);
    done = cv_.wait_for(lock, timeout, [&] { return reached(names, partition, offset); });
  });
  return done;
}

}  // namespace regent::projections
