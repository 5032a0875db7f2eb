#pragma once
// The embedded log's full history, in memory. librdkafka's mock cluster keeps at most 5 MB (and
// 100,000 message sets) per partition and silently drops what is older; the write-ahead file and
// this mirror keep everything, and readers of the embedded log take from here what the mock no
// longer has. Every record appended through the EventLog is mirrored at its acknowledged offset.
//
// While every append has succeeded, the mirror is the whole log (only this process writes to the
// embedded log), and readers follow it instead of fetching from the mock: no Kafka round trip per
// reader and per append. Once an append fails, what of it reached the mock is unknown, so the
// mirror is "broken" from then on and readers go back to the mock past its end.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
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

  // An append failed: the mock may hold records the mirror will never have.
  void mark_broken();
  bool broken() const;
  // Waits until a partition of `from` has a record at its offset, the mirror breaks, or `timeout`.
  void wait_for_more(const std::map<int32_t, int64_t>& from, std::chrono::milliseconds timeout) const;

 private:
  struct Stored {
    std::string key;
    std::string value;
  };
  mutable std::mutex mu_;
  mutable std::condition_variable grown_;
  std::vector<std::vector<Stored>> partitions_;
  bool broken_ = false;
};

}  // namespace regent::events
