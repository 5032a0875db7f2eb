// Start-up time of the command side with a long history: a log of about 1 M events (tenants,
// users, wallet credits) in the embedded log, then a writer rebuilding its state from zero, and one
// starting from a snapshot. Prints figures; asserts nothing.
//
//   regent_bench_startup <postgres url> [events]
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "commands/processor.hpp"
#include "commands/snapshot_store.hpp"
#include "core/config.hpp"
#include "core/json.hpp"
#include "events/event_log.hpp"
#include "events/event_types.hpp"
#include "events/partitioner.hpp"
#include "projections/migrations.hpp"

using namespace regent;
using Clock = std::chrono::steady_clock;

namespace {
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Events written straight to the log under the first writer's fence, as its commands would have.
class History {
 public:
  History(events::EventLog& log, std::string writer) : log_(log), writer_(std::move(writer)) {}

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
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: regent_bench_startup <postgres url> [events]\n");
    return 2;
  }
  std::string pg_url = argv[1];
  int64_t target = argc > 2 ? std::atoll(argv[2]) : 1'000'000;
  projections::migrate(pg_url);

  // The embedded log, as `regent dev` runs it: the mock cluster keeps only the last 5 MB of each
  // partition, the write-ahead file and the in-memory history the rest.
  char dir_template[] = "/tmp/regent-bench-XXXXXX";
  core::Config config;
  config.kafka_brokers = "embedded";
  config.kafka_partitions = 6;
  config.data_dir = mkdtemp(dir_template);
  events::EventLog log(config);

  // The first writer claims every partition; the history carries its fence.
  {
    commands::Processor first(log, "bench-writer");
    first.start();
    first.acquire_all();
    first.stop();
  }
  auto generating = Clock::now();
  History h(log, "bench-writer");
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
    }
  }
  h.flush_all();
  std::printf("history: %lld events over %d partitions, written in %.1f s\n", static_cast<long long>(h.count()),
              config.kafka_partitions, seconds_since(generating));

  auto from_zero = Clock::now();
  {
    commands::Processor p(log, "bench-zero");
    p.start();
    p.acquire_all();
    std::printf("start-up from zero:     %6.2f s (%lld events read)\n", seconds_since(from_zero),
                static_cast<long long>(p.events_read_at_start()));
    p.stop();
  }

  commands::SnapshotStore store(pg_url, config.kafka_topic);
  commands::ProcessorOptions options;
  options.snapshots = &store;
  options.snapshot_every = 1;
  {
    auto taking = Clock::now();
    commands::Processor p(log, "bench-snapshotter", options);  // reads from zero, saves at start
    p.start();
    p.acquire_all();
    p.stop();
    std::printf("first start with snapshots on (reads all, saves): %.2f s\n", seconds_since(taking));
  }
  // A few hundred events after the snapshot: the tail a real restart would read.
  options.snapshot_every = 1'000'000'000;
  auto from_snapshot = Clock::now();
  {
    commands::Processor p(log, "bench-snapshot", options);
    p.start();
    p.acquire_all();
    std::printf("start-up from snapshot: %6.2f s (%lld events read beyond it)\n", seconds_since(from_snapshot),
                static_cast<long long>(p.events_read_at_start()));
    options.snapshots = nullptr;
  }
  std::filesystem::remove_all(config.data_dir);
  return 0;
}
