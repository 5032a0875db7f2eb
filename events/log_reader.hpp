#pragma once
// Reads partitions of the event topic from offsets the caller chooses (assign, never subscribe):
// readers keep their own positions, so Kafka's committed offsets are never trusted.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "events/kafka_handles.hpp"

namespace regent::events {

class LogReader {
 public:
  LogReader(const std::string& brokers, std::string topic);

  void assign(const std::map<int32_t, int64_t>& next_offsets);

  // Up to `max` messages, waiting at most `wait` for the first one. Throws on fatal errors.
  std::vector<Message> poll(size_t max, std::chrono::milliseconds wait);

  // The offset the next appended message of `partition` will get (the high watermark).
  int64_t end_offset(int32_t partition, std::chrono::milliseconds timeout);

  // The high watermark as of the last fetch response (no round trip); -1 when not known yet.
  int64_t cached_end_offset(int32_t partition);

  // The partition count of the topic, from the broker's metadata.
  int32_t partition_count(std::chrono::milliseconds timeout);

 private:
  std::string topic_;
  KafkaHandle rk_;
};

}  // namespace regent::events
