#include "projections/engine.hpp"

#include <chrono>
#include <map>
#include <pqxx/pqxx>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "events/fence.hpp"
#include "events/log_reader.hpp"

namespace regent::projections {
namespace {
const core::Logger logger("projections");

struct PartitionCursor {
  int64_t next_offset = 0;
  events::FenceState fence;
  int64_t skipped = 0;
};

constexpr const char* kLoadCheckpoints =
    "SELECT partition, next_offset, writer_id, writer_epoch, skipped_invalid, writer_last_id "
    "FROM projection_checkpoints WHERE projection = $1";
constexpr const char* kSaveCheckpoint = R"(
  INSERT INTO projection_checkpoints
    (projection, partition, next_offset, writer_id, writer_epoch, skipped_invalid, writer_last_id, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, now())
  ON CONFLICT (projection, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset,
    writer_id = EXCLUDED.writer_id, writer_epoch = EXCLUDED.writer_epoch, writer_last_id = EXCLUDED.writer_last_id,
    skipped_invalid = EXCLUDED.skipped_invalid, updated_at = now())";

std::map<int32_t, PartitionCursor> load_checkpoints(pqxx::connection& conn, const std::string& name,
                                                    int32_t partitions) {
  std::map<int32_t, PartitionCursor> out;
  for (int32_t p = 0; p < partitions; ++p) out[p] = {};
  pqxx::read_transaction tx(conn);
  for (const auto& row : tx.exec_params(kLoadCheckpoints, name)) {
    auto& c = out[row[0].as<int32_t>()];
    c.next_offset = row[1].as<int64_t>();
    c.fence.writer_id = row[2].as<std::string>();
    c.fence.epoch = row[3].as<int64_t>();
    c.skipped = row[4].as<int64_t>();
    c.fence.last_id = row[5].as<std::string>();
  }
  return out;
}
}  // namespace

Engine::Engine(EngineOptions options, std::vector<std::unique_ptr<Projection>> projections)
    : options_(std::move(options)), projections_(std::move(projections)) {}

Engine::~Engine() { stop(); }

void Engine::start() {
  for (auto& p : projections_) threads_.emplace_back([this, proj = p.get()] { run(*proj); });
}

void Engine::stop() {
  stop_ = true;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void Engine::run(Projection& projection) {
  const std::string name = projection.name();
  auto& metrics = core::Metrics::global();
  auto backoff = std::chrono::milliseconds(100);
  while (!stop_) {
    try {
      pqxx::connection conn(options_.pg_url);
      // A read model is rebuilt from the log: a commit lost in a Postgres crash is applied again
      // from the checkpoint committed with the data before it, so waiting for the WAL flush of
      // every batch buys nothing.
      pqxx::nontransaction(conn).exec("SET synchronous_commit = off");
      auto cursors = load_checkpoints(conn, name, options_.partitions);
      events::LogReader reader(options_.brokers, options_.topic, options_.history);
      std::map<int32_t, int64_t> from;
      for (const auto& [p, c] : cursors) from[p] = c.next_offset;
      reader.assign(from);
      logger.info("projection started", {{"projection", name}});
      backoff = std::chrono::milliseconds(100);
      while (!stop_) {
        auto messages = reader.poll(options_.max_batch, std::chrono::milliseconds(100));
        // A batch is sized by count and by time: once something arrived, gather what else comes
        // within the linger, so that one transaction carries many events.
        for (auto until = std::chrono::steady_clock::now() + options_.linger;
             !messages.empty() && messages.size() < options_.max_batch && std::chrono::steady_clock::now() < until;) {
          auto more = reader.poll(options_.max_batch - messages.size(), std::chrono::milliseconds(1));
          messages.insert(messages.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
        }
        for (const auto& [p, c] : cursors) {
          int64_t end = reader.cached_end_offset(p);
          if (end >= 0)
            metrics.gauge_set("regent_projection_lag", {{"projection", name}, {"partition", std::to_string(p)}},
                              double(std::max<int64_t>(0, end - c.next_offset)));
        }
        if (messages.empty()) continue;
        auto next = cursors;  // moved only once the transaction commits
        std::vector<events::Envelope> valid;
        for (const auto& m : messages) {
          auto& c = next[m.partition];
          if (m.offset < c.next_offset) continue;  // already applied
          auto e = events::parse_envelope(m.value);
          auto verdict = e ? events::admit(c.fence, *e) : events::Verdict::invalid;
          if (verdict == events::Verdict::valid) valid.push_back(std::move(e.value()));
          if (verdict == events::Verdict::invalid) ++c.skipped;
          c.next_offset = m.offset + 1;
        }
        pqxx::work tx(conn);
        if (!valid.empty()) projection.apply(tx, valid);
        for (const auto& [p, c] : next) {
          if (c.next_offset == cursors[p].next_offset) continue;
          tx.exec_params(kSaveCheckpoint, name, p, c.next_offset, c.fence.writer_id, c.fence.epoch, c.skipped,
                         c.fence.last_id);
        }
        tx.exec("NOTIFY regent_checkpoints");
        tx.commit();
        cursors = std::move(next);
        metrics.counter_add("regent_projection_events_total", {{"projection", name}}, double(valid.size()));
        for (const auto& [p, c] : cursors) {
          metrics.gauge_set("regent_projection_checkpoint", {{"projection", name}, {"partition", std::to_string(p)}},
                            double(c.next_offset));
          metrics.gauge_set("regent_projection_skipped_invalid", {{"projection", name}, {"partition", std::to_string(p)}},
                            double(c.skipped));
        }
      }
    } catch (const std::exception& ex) {
      // Nothing of the failed batch was committed: start again from the stored checkpoints.
      logger.error("projection failed; restarting from its checkpoints",
                   {{"projection", name}, {"error", ex.what()}});
      metrics.counter_add("regent_projection_failures_total", {{"projection", name}});
      for (auto waited = std::chrono::milliseconds(0); waited < backoff && !stop_;
           waited += std::chrono::milliseconds(50))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  }
}

}  // namespace regent::projections
