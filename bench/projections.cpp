// Projection throughput: about 1 M events (tenants, users, wallet credits) in the embedded log,
// then the users and wallets read models built from zero by the projection engine (events/s), then
// a rebuild of each of them into fresh tables, swapped in at the end. Prints figures; asserts
// nothing.
//
//   regent_bench_projections <postgres url> [events]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <pqxx/pqxx>
#include <thread>

#include "bench/synthetic_log.hpp"
#include "commands/processor.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "events/log_reader.hpp"
#include "projections/engine.hpp"
#include "projections/migrations.hpp"
#include "projections/read_models.hpp"
#include "projections/rebuild.hpp"

using namespace regent;
using Clock = std::chrono::steady_clock;

namespace {
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int64_t applied(pqxx::connection& conn, const std::string& projection) {
  pqxx::read_transaction tx(conn);
  return tx.exec_params("SELECT coalesce(sum(next_offset), 0) FROM projection_checkpoints WHERE projection = $1",
                        projection)[0][0]
      .as<int64_t>();
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: regent_bench_projections <postgres url> [events]\n");
    return 2;
  }
  std::string pg_url = argv[1];
  int64_t target = argc > 2 ? std::atoll(argv[2]) : 1'000'000;
  core::configure_logging("warn", "json");
  projections::migrate(pg_url);

  bench::BenchLog bench_log("bench-writer", target);
  events::EventLog& log = *bench_log.log;
  int64_t written = bench_log.written;
  int64_t total = 0;
  {
    events::LogReader reader(log.brokers(), log.topic());
    for (int32_t p = 0; p < log.partitions(); ++p) total += reader.end_offset(p, std::chrono::seconds(10));
  }
  std::printf("history: %lld events (%lld offsets) over %d partitions, written in %.1f s\n",
              static_cast<long long>(written), static_cast<long long>(total), log.partitions(),
              bench_log.seconds_to_write);

  pqxx::connection conn(pg_url);
  std::vector<std::unique_ptr<projections::Projection>> models;
  models.push_back(projections::make_users_projection());
  models.push_back(projections::make_wallets_projection());
  projections::EngineOptions options;
  options.runners.where = {pg_url, log.brokers(), log.topic(), log.partitions(), log.history()};
  auto building = Clock::now();
  {
    projections::Engine engine(options, std::move(models));
    engine.start();
    while (applied(conn, "users") < total || applied(conn, "wallets") < total)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    double s = seconds_since(building);
    std::printf("users + wallets from zero, side by side: %.2f s, %.0f events/s\n", s, double(total) / s);
    engine.stop();
  }
  for (auto make : {projections::make_users_projection, projections::make_wallets_projection}) {
    auto model = make();
    std::atomic<bool> stop{false};
    projections::RebuildOptions ro{options.runners.where, 2000, nullptr};
    auto rebuilding = Clock::now();
    auto outcome = projections::rebuild(*model, ro, stop);
    double s = seconds_since(rebuilding);
    std::printf("rebuild of %s into fresh tables, swapped in: %.2f s, %.0f events/s%s\n", model->name().c_str(), s,
                double(total) / s, outcome == projections::RebuildOutcome::swapped ? "" : " (NOT swapped)");
  }
  return 0;
}
