#pragma once
// The event log as the rest of Regent sees it: append to a partition, learn the offsets. Against a
// real cluster it is the idempotent producer; in embedded mode it also hosts the mock cluster and
// writes each batch to the write-ahead file first.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"
#include "events/kafka_handles.hpp"

namespace regent::events {

class History;
class MockCluster;
class Producer;
class Wal;

class EventLog {
 public:
  // Connects (or, for `embedded`, starts the mock cluster and replays the write-ahead file), and
  // makes sure the topic exists. Throws when that cannot be done.
  explicit EventLog(const core::Config& config);
  ~EventLog();

  using Offsets = core::Result<std::vector<int64_t>>;
  // Appends `records` to `partition` and waits for the broker's acknowledgement.
  Offsets append(int32_t partition, const std::vector<Record>& records);
  // The same without waiting: `on_done` gets the outcome on the producer's thread (keep it short;
  // it may also run before send returns, when the client refuses the records at once).
  void send(int32_t partition, std::vector<Record> records, std::function<void(Offsets)> on_done);

  const std::string& brokers() const { return brokers_; }
  const std::string& topic() const { return topic_; }
  int32_t partitions() const { return partitions_; }
  void flush(int timeout_ms);
  bool reachable(int timeout_ms);  // for /readyz
  // Everything appended, for readers of the embedded log (the mock cluster forgets); else null.
  const History* history() const { return history_.get(); }

 private:
  void replay_wal();
  std::string brokers_;
  std::string topic_;
  int32_t partitions_ = 0;
  std::unique_ptr<MockCluster> mock_;
  std::unique_ptr<Wal> wal_;
  std::unique_ptr<History> history_;
  std::unique_ptr<Producer> producer_;
};

// A record for a serialised event: the key (the tenant id), and the CloudEvents headers that let
// consumers filter without parsing.
Record make_record(const std::string& key, const std::string& type, const std::string& id,
                   const std::string& tenant_id, std::string value);

}  // namespace regent::events
