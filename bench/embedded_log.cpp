// Memory of the embedded log (`regent dev`'s) as its history grows: writes about 2 M events
// (tenants, users, wallet credits, as the command side would) into the embedded log, printing the
// process's resident memory every 200,000 events, then reads every partition from offset zero
// through a reader of the embedded log, restarts the log from its write-ahead file and reads it all
// again. Prints figures; asserts nothing (but says so when a read comes back short).
//
//   regent_bench_embedded_log [events] [folder]   (a folder given is used and kept)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "bench/synthetic_log.hpp"
#include "events/envelope.hpp"
#include "events/history.hpp"
#include "events/log_reader.hpp"

using namespace regent;
using Clock = std::chrono::steady_clock;

namespace {
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double rss_mb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  return -1;
}

double history_mb(const events::EventLog& log) {
  return log.history() ? double(log.history()->memory_bytes()) / (1 << 20) : 0;
}

// Reads every partition from offset zero to its end; returns the events read, or -1 when an
// offset is missing, repeated or holds no event.
int64_t read_all(events::EventLog& log, double& seconds) {
  auto started = Clock::now();
  events::LogReader reader(log.brokers(), log.topic(), log.history());
  std::map<int32_t, int64_t> from, ends;
  for (int32_t p = 0; p < log.partitions(); ++p) {
    from[p] = 0;
    ends[p] = reader.cached_end_offset(p);
  }
  reader.assign(from);
  std::map<int32_t, int64_t> next = from;
  int64_t total = 0, wanted = 0;
  for (const auto& [p, e] : ends) wanted += e;
  auto idle_since = Clock::now();
  while (total < wanted && seconds_since(idle_since) < 10) {
    auto batch = reader.poll(5000, std::chrono::milliseconds(100));
    if (!batch.empty()) idle_since = Clock::now();
    for (const auto& m : batch) {
      if (m.offset != next[m.partition]++ || !events::parse_envelope(m.value)) return -1;
      ++total;
    }
  }
  seconds = seconds_since(started);
  return total == wanted ? total : -1;
}
}  // namespace

int main(int argc, char** argv) {
  int64_t target = argc > 1 ? std::atoll(argv[1]) : 2'000'000;
  char dir_template[] = "/tmp/regent-bench-XXXXXX";
  core::Config config;
  config.kafka_brokers = "embedded";
  config.kafka_partitions = 6;
  bool keep = argc > 2;
  config.data_dir = keep ? argv[2] : mkdtemp(dir_template);
  std::printf("embedded log in %s, %d partitions, %.0f MB of each partition's newest records in memory\n",
              config.data_dir.c_str(), config.kafka_partitions, config.embedded_log_memory / 1048576.0);
  std::printf("RSS at start: %.0f MB\n", rss_mb());
  auto log = std::make_unique<events::EventLog>(config);
  {
    commands::Processor first(*log, "bench-writer");
    first.start();
    first.acquire_all();
    first.stop();
  }
  std::printf("\n%10s %10s %12s %10s\n", "events", "RSS MB", "history MB", "s");
  auto started = Clock::now();
  int64_t events = bench::write_history(*log, "bench-writer", target, [&](int64_t count) {
    std::printf("%10lld %10.0f %12.1f %10.1f\n", static_cast<long long>(count), rss_mb(), history_mb(*log),
                seconds_since(started));
    std::fflush(stdout);
  });
  int64_t written = events + config.kafka_partitions;  // and the writer's markers
  uint64_t file_bytes = std::filesystem::file_size(std::filesystem::path(config.data_dir) / "events.wal");
  std::printf("written: %lld events in %.1f s; write-ahead file %.0f MB (%.0f bytes an event)\n",
              static_cast<long long>(written), seconds_since(started), double(file_bytes) / 1048576.0,
              double(file_bytes) / double(written));

  double secs = 0;
  int64_t read = read_all(*log, secs);
  std::printf("read from offset zero: %lld events in %.1f s (%s); RSS %.0f MB\n",
              static_cast<long long>(read), secs, read == written ? "every event, in order" : "SHORT",
              rss_mb());

  log.reset();
  auto restarting = Clock::now();
  log = std::make_unique<events::EventLog>(config);
  std::printf("restart from the write-ahead file: %.1f s; RSS %.0f MB\n", seconds_since(restarting),
              rss_mb());
  read = read_all(*log, secs);
  std::printf("read from offset zero after the restart: %lld events in %.1f s (%s); RSS %.0f MB\n",
              static_cast<long long>(read), secs, read == written ? "every event, in order" : "SHORT",
              rss_mb());
  log.reset();
  if (!keep) std::filesystem::remove_all(config.data_dir);
  return 0;
}
