#pragma once
// A long history for the benchmarks: tenants, each with 100 users, each user credited 9 times,
// written straight to the log under one writer's fence (which the writer must have claimed).
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <map>
#include <string>
#include <vector>

#include "commands/processor.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "events/envelope.hpp"
#include "events/event_log.hpp"
#include "events/partitioner.hpp"

namespace regent::bench {

// Events written straight to the log under the first writer's fence, as its commands would have.
class SyntheticLog {
 public:
  SyntheticLog(events::EventLog& log, std::string writer) : log_(log), writer_(std::move(writer)) {}

  void add(const std::string& tenant, std::string type, std::string subject, int64_t sequence, boost::json::object data) {
    events::Envelope e;
    e.id = core::uuid_v7();
    e.source = "/tenants/" + tenant;
    e.type = std::move(type);
    e.subject = std::move(subject);
    e.time = core::format_rfc3339(core::now_millis());
    e.data = core::to_json(data);
    e.tenant_id = tenant;
    e.actor_type = "system";
    e.sequence = sequence;
    e.writer_id = writer_;
    e.writer_epoch = 1;
    int32_t p = events::partition_for(tenant, log_.partitions());
    auto& batch = pending_[p];
    batch.push_back(events::make_record(tenant, e.type, e.id, tenant, events::to_json(e)));
    ++count_;
    if (batch.size() >= 5000) flush(p);
  }
  void flush_all() {
    for (auto& [p, batch] : pending_) flush(p);
  }
  int64_t count() const { return count_; }

 private:
  void flush(int32_t p) {
    auto& batch = pending_[p];
    if (batch.empty()) return;
    if (!log_.append(p, batch)) {
      std::fprintf(stderr, "append failed\n");
      std::exit(1);
    }
    batch.clear();
  }
  events::EventLog& log_;
  std::string writer_;
  std::map<int32_t, std::vector<events::Record>> pending_;
  int64_t count_ = 0;
};

// Appends about `target` events and returns how many. `progress`, if given, is called with the
// count every `progress_every` events, once they are all appended.
inline int64_t write_history(events::EventLog& log, const std::string& writer, int64_t target,
                             const std::function<void(int64_t)>& progress = {}, int64_t progress_every = 200'000) {
  SyntheticLog h(log, writer);
  int64_t next_report = progress_every;
  const std::string hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdGFuZHBlcHBlcg$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA";
  int users_per_tenant = 100;
  int credits_per_user = 9;
  for (int t = 0; h.count() < target; ++t) {
    std::string tenant = core::uuid_v7();
    h.add(tenant, "tenant.created", "tenants/" + tenant, 1,
          {{"tenant_id", tenant},
           {"name", "Tenant " + std::to_string(t)},
           {"slug", "t-" + std::to_string(t)},
           {"settings", {{"currency", "USD"}, {"activity_costs", {{"form_download", 100}}}, {"max_users", 100000}}}});
    for (int u = 0; u < users_per_tenant && h.count() < target; ++u) {
      std::string user = core::uuid_v7();
      h.add(tenant, "user.created", "users/" + user, 1,
            {{"user_id", user},
             {"roles", boost::json::array{"viewer"}},
             {"parent_user_id", nullptr},
             {"password_hash", hash},
             {"wallet", {{"currency", "USD"}}},
             {"personal", {{"email", "u" + std::to_string(u) + "@t" + std::to_string(t) + ".test"}, {"full_name", "U"}}}});
      for (int c = 0; c < credits_per_user && h.count() < target; ++c)
        h.add(tenant, "wallet.credited", "users/" + user + "/wallet", 2 + c,
              {{"transaction_id", core::uuid_v7()},
               {"user_id", user},
               {"amount", 100},
               {"balance_after", 100 * (c + 1)},
               {"currency", "USD"},
               {"reference", nullptr},
               {"description", nullptr}});
      if (progress && h.count() >= next_report) {
        h.flush_all();
        progress(h.count());
        next_report += progress_every;
      }
    }
  }
  h.flush_all();
  return h.count();
}

// The embedded log as `regent dev` runs it, in a temporary folder (the mock cluster keeps only the
// last 5 MB of each partition, the write-ahead file and the in-memory history the rest), holding
// about `target` events written under the fence of `writer`, which claimed every partition first.
struct BenchLog {
  core::Config config;
  std::unique_ptr<events::EventLog> log;
  int64_t written = 0;
  double seconds_to_write = 0;

  BenchLog(const std::string& writer, int64_t target) {
    char dir_template[] = "/tmp/regent-bench-XXXXXX";
    config.kafka_brokers = "embedded";
    config.kafka_partitions = 6;
    config.data_dir = mkdtemp(dir_template);
    log = std::make_unique<events::EventLog>(config);
    {
      commands::Processor first(*log, writer);
      first.start();
      first.acquire_all();
      first.stop();
    }
    auto started = std::chrono::steady_clock::now();
    written = write_history(*log, writer, target);
    seconds_to_write = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  ~BenchLog() {
    log.reset();
    std::filesystem::remove_all(config.data_dir);
  }
};

}  // namespace regent::bench
