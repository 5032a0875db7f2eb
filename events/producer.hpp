#pragma once
// The idempotent producer (acks=all). An append is acknowledged when the broker's delivery
// reports say so; that acknowledgement is what a 2xx stands on.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "events/kafka_handles.hpp"

namespace regent::events {

class Producer {
 public:
  Producer(const std::string& brokers, std::string topic, int64_t timeout_ms);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  struct Delivery {
    std::vector<int64_t> offsets;  // -1 where a record was not acknowledged
    std::string error;             // empty when every record was acknowledged
  };
  // Appends `records` to `partition`, in order, and waits for every delivery report (the broker's
  // acknowledgement, or a failure once message.timeout.ms has passed).
  Delivery append(int32_t partition, const std::vector<Record>& records);

  // Waits for everything in flight (graceful shutdown).
  void flush(int timeout_ms);

  // True when a broker answers a metadata request for the topic within `timeout_ms`.
  bool reachable(int timeout_ms);

 private:
  std::string topic_;
  int64_t timeout_ms_;
  KafkaHandle rk_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace regent::events
