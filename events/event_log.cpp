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
    history_ = std::make_unique<History>(partitions_);
    replay_wal();
  }
}

EventLog::~EventLog() = default;

void EventLog::flush(int timeout_ms) { producer_->flush(timeout_ms); }

bool EventLog::reachable(int timeout_ms) { return producer_->reachable(timeout_ms); }

void EventLog::replay_wal() {
  auto started = std::chrono::steady_clock::now();
  size_t events = 0;
  std::vector<int64_t> expected(partitions_, 0);
  for (const auto& batch : wal_->load()) {
    if (batch.records.empty()) continue;
    auto d = producer_->append(batch.partition, batch.records);
    if (!d.error.empty() || d.offsets.front() != expected[batch.partition])
      throw std::runtime_error("replaying the embedded log failed at partition " +
                               std::to_string(batch.partition));
    expected[batch.partition] += static_cast<int64_t>(batch.records.size());
    history_->add(batch.partition, batch.records, d.offsets);
    events += batch.records.size();
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  logger.info("embedded log restored", {{"events", std::to_string(events)}, {"ms", std::to_string(ms.count())}});
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
  uint64_t seq = wal_ ? wal_->write_batch(partition, records) : 0;
  // Kept until acknowledged only for the mirror of the embedded log.
  std::shared_ptr<const std::vector<Record>> kept;
  if (history_) kept = std::make_shared<const std::vector<Record>>(std::move(records));
  const std::vector<Record>& sent = kept ? *kept : records;
  producer_->send(partition, sent, [this, seq, partition, kept, on_done = std::move(on_done)](const Producer::Delivery& d) {
    if (history_) {
      if (!d.error.empty()) history_->mark_broken();  // before readers can wait past it
      history_->add(partition, *kept, d.offsets);
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
