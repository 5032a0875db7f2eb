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
#include "commands/snapshot.hpp"
#include "commands/snapshot_store.hpp"
#include "core/config.hpp"
#include "core/json.hpp"
#include "events/event_log.hpp"
#include "events/event_types.hpp"
#include "events/partitioner.hpp"
#include "projections/migrations.hpp"
#include "bench/synthetic_log.hpp"

using namespace regent;
using Clock = std::chrono::steady_clock;

namespace {
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: regent_bench_startup <postgres url> [events]\n");
    return 2;
  }
  std::string pg_url = argv[1];
  int64_t target = argc > 2 ? std::atoll(argv[2]) : 1'000'000;
  projections::migrate(pg_url);

  bench::BenchLog bench_log("bench-writer", target);
  events::EventLog& log = *bench_log.log;
  const core::Config& config = bench_log.config;
  std::printf("history: %lld events over %d partitions, written in %.1f s\n", static_cast<long long>(bench_log.written),
              config.kafka_partitions, bench_log.seconds_to_write);

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
  double snapshot_start_s = 0;
  {
    commands::Processor p(log, "bench-snapshot", options);
    p.start();
    snapshot_start_s = seconds_since(from_snapshot);
    p.acquire_all();
    std::printf("start-up from snapshot: %6.2f s (%lld events read beyond it)\n", seconds_since(from_snapshot),
                static_cast<long long>(p.events_read_at_start()));
    options.snapshots = nullptr;
  }
  double zero_rate = 0;  // events replayed per second, from the start-up from zero
  {
    auto t = Clock::now();
    commands::Processor p(log, "bench-zero-again");
    p.start();
    zero_rate = double(p.events_read_at_start()) / seconds_since(t);
  }
  // What the snapshot interval weighs: loading (decoding) a snapshot against replaying the events
  // it spares, and what saving one costs.
  double bytes = 0, decode_s = 0, save_s = 0;
  for (int32_t p = 0; p < log.partitions(); ++p) {
    auto stored = store.load(p);
    if (!stored) continue;
    bytes += double(stored->state.size());
    auto t = Clock::now();
    auto state = commands::decode_snapshot(stored->state);
    decode_s += seconds_since(t);
    t = Clock::now();
    commands::StoredSnapshot again{stored->next_offset, stored->last_event_id, commands::encode_snapshot(state.value())};
    store.save(p, again);
    save_s += seconds_since(t);
  }
  // Loading a snapshot at start is reading it from Postgres, decoding it and checking it against
  // the log: the start-up from snapshots, all of it.
  double load_rate = bytes / snapshot_start_s;
  double per_event = load_rate / zero_rate;  // N events replay in S / load_rate: S / N bytes an event
  std::printf("\nsnapshots: %.1f MB in all; loaded at start at %.0f MB/s (decoding alone %.0f MB/s), encoded and "
              "saved at %.0f MB/s\n",
              bytes / 1048576, load_rate / 1048576, bytes / decode_s / 1048576, bytes / save_s / 1048576);
  std::printf("replay from zero: %.0f events/s\n", zero_rate);
  std::printf("a tail that replays in a snapshot's load time: one event per %.0f bytes of snapshot\n", per_event);
  std::printf("saving at that interval costs %.1f us of one thread per event appended\n",
              1e6 * save_s / (bytes / per_event));
  return 0;
}
