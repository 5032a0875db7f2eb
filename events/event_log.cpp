#include "events/event_log.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <filesystem>
#include <stdexcept>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "events/history.hpp"
#include "events/log_reader.hpp"
#include "events/mock_cluster.hpp"
#include "events/producer.hpp"
#include "events/topic_settings.hpp"
#include "events/wal.hpp"

namespace regent::events {
namespace {
const core::Logger logger("events");
}

Record make_record(const std::string& key, const std::string& type, const std::string& id,
                   const std::string& tenant_id, std::string value) {
  Record r;
  r.key = key;
  r.value = std::move(value);
  r.headers = {{"ce_specversion", "1.0"}, {"ce_type", type}, {"ce_id", id},
               {"content-type", "application/cloudevents+json"}};
  if (!tenant_id.empty()) r.headers.emplace_back("ce_tenantid", tenant_id);
  return r;
}

EventLog::EventLog(const core::Config& config) : topic_(config.kafka_topic) {
  if (config.kafka_brokers.empty())
    throw std::runtime_error("REGENT_KAFKA_BROKERS is required (host:port,... or embedded)");
  if (config.kafka_brokers == "embedded") {
    mock_ = std::make_unique<MockCluster>(1);
    mock_->create_topic(topic_, config.kafka_partitions, 1);
    brokers_ = mock_->bootstraps();
    std::filesystem::create_directories(config.data_dir);
    wal_ = std::make_unique<Wal>((std::filesystem::path(config.data_dir) / "events.wal").string());
  } else {
    brokers_ = config.kafka_brokers;
    LogReader existing(brokers_, topic_);
    int timeout_ms = static_cast<int>(std::max<int64_t>(config.kafka_timeout_ms, 10000));
    if (existing.partition_count(std::chrono::seconds(10)) <= 0)
      ensure_topic(brokers_, topic_, config.kafka_partitions, topic_requirements(config), timeout_ms);
    check_topic(brokers_, topic_, topic_requirements(config), timeout_ms);
  }
  producer_ = std::make_unique<Producer>(brokers_, topic_, config.kafka_timeout_ms);
  LogReader probe(brokers_, topic_);
  partitions_ = probe.partition_count(std::chrono::seconds(10));
  if (partitions_ <= 0) throw std::runtime_error("the event topic has no partitions");
  if (wal_) {
    history_ = std::make_unique<History>(partitions_, *wal_,
                                         (std::filesystem::path(config.data_dir) / "events.index").string(),
                                         static_cast<size_t>(config.embedded_log_memory));
    replay_wal();
  }
}

EventLog::~EventLog() = default;

void EventLog::flush(int timeout_ms) { producer_->flush(timeout_ms); }

bool EventLog::reachable(int timeout_ms) { return producer_->reachable(timeout_ms); }

// Produces the write-ahead file back, reproducing every offset: each batch as it is read, straight
// from the file's read buffer, with many in flight (the idempotent producer keeps a partition's
// order). The history records the replayed events by their place in the file only: whatever the
// size of the file, start-up holds a bounded amount, and readers read old events from the file.
void EventLog::replay_wal() {
  constexpr size_t kInFlightRecords = 50'000;
  auto started = std::chrono::steady_clock::now();
  std::vector<int64_t> next(static_cast<size_t>(partitions_), 0);  // the offset the next batch must start at
  std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0;
  std::string failure;
  size_t events = 0;
  auto drain = [&] {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
    if (!failure.empty()) throw std::runtime_error(failure);
  };
  try {
    wal_->load_views([&](int32_t partition, uint64_t, const std::vector<RecordView>& records,
                         const std::vector<uint64_t>& positions) {
      if (records.empty()) return;
      if (partition < 0 || partition >= partitions_)
        throw std::runtime_error("the embedded log's file names partition " + std::to_string(partition) + " of " +
                                 std::to_string(partitions_));
      int64_t first = next[static_cast<size_t>(partition)];
      next[static_cast<size_t>(partition)] += static_cast<int64_t>(records.size());
      events += records.size();
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !failure.empty() || in_flight < kInFlightRecords; });
        if (!failure.empty()) return;
        in_flight += records.size();
      }
      producer_->send(partition, records, [&, partition, first, positions](const Producer::Delivery& d) {
        bool ok = d.error.empty() && !d.offsets.empty() && d.offsets.front() == first;
        if (ok) history_->add_indexed(partition, d.offsets, positions);
        std::lock_guard lock(mu);
        if (!ok && failure.empty())
          failure = "replaying the embedded log failed at partition " + std::to_string(partition) + " offset " +
                    std::to_string(first) + (d.error.empty() ? "" : ": " + d.error);
        in_flight -= d.offsets.size();
        cv.notify_all();
      });
    });
  } catch (...) {
    drain();  // the acknowledgements still to come refer to this frame
    throw;
  }
  drain();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  logger.info("embedded log restored", {{"events", events}, {"ms", ms.count()}});
}

EventLog::Offsets EventLog::append(int32_t partition, const std::vector<Record>& records) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Offsets> out;
  send(partition, records, [&](Offsets r) {
    std::lock_guard lock(mu);
    out.emplace(std::move(r));
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return out.has_value(); });
  return std::move(*out);
}

void EventLog::send(int32_t partition, std::vector<Record> records, std::function<void(Offsets)> on_done) {
  // The write-ahead file first (fsynced): no reader may ever see an event the file lacks.
  std::vector<uint64_t> positions;
  uint64_t seq = wal_ ? wal_->write_batch(partition, records, &positions) : 0;
  // Kept until acknowledged only for the history of the embedded log.
  std::shared_ptr<const std::vector<Record>> kept;
  if (history_) kept = std::make_shared<const std::vector<Record>>(std::move(records));
  const std::vector<Record>& sent = kept ? *kept : records;
  producer_->send(partition, sent, [this, seq, partition, kept, positions = std::move(positions),
                                    on_done = std::move(on_done)](const Producer::Delivery& d) {
    if (history_) {
      if (!d.error.empty()) history_->mark_broken();  // before readers can wait past it
      history_->add(partition, *kept, d.offsets, positions);
    }
    if (d.error.empty()) {
      core::Metrics::global().counter_add("regent_events_appended_total", {}, double(d.offsets.size()));
      return on_done(d.offsets);
    }
    if (wal_) {
      std::vector<uint32_t> failed;
      for (uint32_t i = 0; i < d.offsets.size(); ++i)
        if (d.offsets[i] < 0) failed.push_back(i);
      wal_->cancel(seq, failed);
    }
    on_done(core::make_error(core::errc::unavailable, "the event log is unavailable"));
  });
}

}  // namespace regent::events
