#pragma once
// The idempotent producer (acks=all). An append is acknowledged when the broker's delivery
// reports say so; that acknowledgement is what a 2xx stands on.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "events/kafka_handles.hpp"

namespace regent::events {

// Records on their way to one partition. Complete once every record has its delivery report.
class InFlight {
 public:
  struct Delivery {
    std::vector<int64_t> offsets;  // -1 where a record was not acknowledged
    std::string error;             // empty when every record was acknowledged
  };
  bool done() const;
  void wait() const;
  const Delivery& delivery() const;  // after done()

  struct Slot {
    InFlight* batch;
    size_t index;
  };
  // The delivery report of one record (called by librdkafka's callback).
  static void on_delivery(const Slot& slot, int64_t offset, const char* error);

 private:
  friend class Producer;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  size_t remaining_ = 0;
  Delivery delivery_;
  std::vector<Slot> slots_;
  std::function<void(const Delivery&)> on_done_;
  std::shared_ptr<InFlight> self_;  // keeps the batch alive until its last delivery report
};

class Producer {
 public:
  Producer(const std::string& brokers, std::string topic, int64_t timeout_ms);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  using Delivery = InFlight::Delivery;
  // Appends `records` to `partition`, in order, and waits for every delivery report (the broker's
  // acknowledgement, or a failure once message.timeout.ms has passed).
  Delivery append(int32_t partition, const std::vector<Record>& records);
  // The same without waiting: `on_done` runs on the producer's polling thread once every record
  // has its report (keep it short).
  std::shared_ptr<InFlight> send(int32_t partition, const std::vector<Record>& records,
                                 std::function<void(const Delivery&)> on_done = {});
  // The same for records whose bytes live elsewhere: they are copied before send returns.
  std::shared_ptr<InFlight> send(int32_t partition, const std::vector<RecordView>& records,
                                 std::function<void(const Delivery&)> on_done = {});

  // Waits for everything in flight (graceful shutdown).
  void flush(int timeout_ms);

  // True when a broker answers a metadata request for the topic within `timeout_ms`.
  bool reachable(int timeout_ms);

 private:
  template <class R>
  std::shared_ptr<InFlight> send_records(int32_t partition, const std::vector<R>& records,
                                         std::function<void(const Delivery&)> on_done);
  std::string topic_;
  int64_t timeout_ms_;
  KafkaHandle rk_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace regent::events
