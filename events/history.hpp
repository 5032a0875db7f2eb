#pragma once
// The embedded log's full history, in memory. librdkafka's mock cluster keeps at most 5 MB (and
// 100,000 message sets) per partition and silently drops what is older; the write-ahead file and
// this mirror keep everything, and readers of the embedded log take from here what the mock no
// longer has. Every record appended through the EventLog is mirrored at its acknowledged offset.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "events/kafka_handles.hpp"

namespace regent::events {

class History {
 public:
  explicit History(int32_t partitions) : partitions_(static_cast<size_t>(partitions)) {}

  // Records acknowledged at `offsets` (-1 for one that was not).
  void add(int32_t partition, const std::vector<Record>& records, const std::vector<int64_t>& offsets);

  int64_t size(int32_t partition) const;  // the offset after the last record mirrored
  std::optional<Message> at(int32_t partition, int64_t offset) const;

 private:
  struct Stored {
    std::string key;
    std::string value;
  };
  mutable std::mutex mu_;
  std::vector<std::vector<Stored>> partitions_;
};

}  // namespace regent::events
