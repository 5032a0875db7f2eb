#pragma once
// Reads partitions of the event topic from offsets the caller chooses (assign, never subscribe):
// readers keep their own positions, so Kafka's committed offsets are never trusted.
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "events/kafka_handles.hpp"

namespace regent::events {

class History;

// The log no longer holds an offset a reader needs: its beginning was deleted (retention,
// compaction, or the mock cluster's 5 MB per partition). Permanent: reading again cannot help, and
// what is derived from the log cannot be rebuilt from what is left.
class LogTruncated : public std::runtime_error {
 public:
  LogTruncated(const std::string& topic, int32_t partition, int64_t wanted, int64_t earliest);
  // The same, said by a reader that knows what it was rebuilding.
  LogTruncated(const std::string& context, const LogTruncated& cause);
  int32_t partition;
  int64_t wanted;
  int64_t earliest;
};

class LogReader {
 public:
  // With `history` (the embedded log's), everything is read from it while it is whole (see
  // events/history.hpp), and afterwards what the mock cluster no longer holds; without, asking for
  // offsets the broker dropped is an error, never a silent skip.
  LogReader(const std::string& brokers, std::string topic, const History* history = nullptr);

  void assign(const std::map<int32_t, int64_t>& next_offsets);

  // Stops fetching until the next assign: a reader that is done for now holds no prefetched
  // messages and costs no reads.
  void pause();

  // Up to `max` messages, waiting at most `wait` for the first one. Throws on fatal errors.
  std::vector<Message> poll(size_t max, std::chrono::milliseconds wait);

  // The offset the next appended message of `partition` will get (the high watermark).
  int64_t end_offset(int32_t partition, std::chrono::milliseconds timeout);
  // The oldest offset `partition` still holds (the low watermark; 0 for a log kept whole).
  int64_t earliest_offset(int32_t partition, std::chrono::milliseconds timeout);

  // The high watermark as of the last fetch response (no round trip); -1 when not known yet.
  int64_t cached_end_offset(int32_t partition);

  // The partition count of the topic, from the broker's metadata.
  int32_t partition_count(std::chrono::milliseconds timeout);

 private:
  void assign_consumer();
  std::pair<int64_t, int64_t> watermarks(int32_t partition, std::chrono::milliseconds timeout);  // low, high
  std::vector<Message> from_history(size_t max);
  bool whole_history() const;      // there is a history, and no append has failed
  bool following_history() const;  // every partition from the whole history: no fetching

  std::string topic_;
  KafkaHandle rk_;
  const History* history_ = nullptr;
  std::map<int32_t, int64_t> position_;  // the next offset to hand out, per assigned partition
  std::set<int32_t> from_history_;       // partitions read from the history for now
  std::set<int32_t> assigned_;           // what the consumer was last given
};

}  // namespace regent::events
