#pragma once
// The embedded log's full history. librdkafka's mock cluster keeps at most 5 MB (and 100,000
// message sets) per partition and silently drops what is older; the write-ahead file keeps
// everything, and readers of the embedded log take from here what the mock no longer has. Every
// record appended through the EventLog is recorded at its acknowledged offset.
//
// Memory stays bounded: the newest records of each partition (`tail_bytes` of them) are kept in
// memory, where the readers that follow the log find them; older ones are read back from the
// write-ahead file through an offset index per partition (a file of 8-byte positions under
// `index_dir`, rebuilt at every start, never fsynced: the write-ahead file is the truth).
//
// While every append has succeeded, the history is the whole log (only this process writes to the
// embedded log), and readers follow it instead of fetching from the mock: no Kafka round trip per
// reader and per append. Once an append fails, what of it reached the mock is unknown, so the
// history is "broken" from then on and readers go back to the mock past its end.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "events/kafka_handles.hpp"

namespace regent::events {

class Wal;

class History {
 public:
  // Everything in memory (no file to read back from): tests and short-lived logs.
  explicit History(int32_t partitions);
  // Records beyond each partition's `tail_bytes` are read back from `wal`.
  History(int32_t partitions, const Wal& wal, const std::string& index_dir, size_t tail_bytes);
  ~History();
  History(const History&) = delete;
  History& operator=(const History&) = delete;

  // Records acknowledged at `offsets` (-1 for one that was not), which the write-ahead file holds
  // at `positions` (empty without a file).
  void add(int32_t partition, const std::vector<Record>& records, const std::vector<int64_t>& offsets,
           const std::vector<uint64_t>& positions = {});
  // The same, taking the records' bytes instead of copying them.
  void add(int32_t partition, std::vector<Record>&& records, const std::vector<int64_t>& offsets,
           const std::vector<uint64_t>& positions);

  // Records the file holds at `positions`, acknowledged at `offsets`, recorded by position only
  // (a replay of the file at start: they are read back from it when asked for).
  void add_indexed(int32_t partition, const std::vector<int64_t>& offsets,
                   const std::vector<uint64_t>& positions);

  int64_t size(int32_t partition) const;  // the offset after the last record recorded
  // Up to `max` records of `partition` from `offset` on, in order; fewer at the history's end.
  std::vector<Message> read(int32_t partition, int64_t offset, size_t max) const;
  std::optional<Message> at(int32_t partition, int64_t offset) const;
  size_t memory_bytes() const;  // keys and values held in memory, all partitions

  // An append failed: the mock may hold records the history will never have.
  void mark_broken();
  bool broken() const;
  // Waits until a partition of `from` has a record at its offset, the history breaks, or `timeout`.
  void wait_for_more(const std::map<int32_t, int64_t>& from, std::chrono::milliseconds timeout) const;

 private:
  struct Stored {
    std::string key;
    std::string value;
    uint64_t position = 0;  // in the write-ahead file
  };
  struct Partition {
    int64_t base = 0;                 // the index file holds [0, base); then come `unwritten`, then `tail`
    std::vector<uint64_t> unwritten;  // positions of records added by position, not yet in the index
    std::deque<Stored> tail;
    size_t bytes = 0;
    int index_fd = -1;
    int64_t tail_start() const { return base + static_cast<int64_t>(unwritten.size()); }
    int64_t end() const { return tail_start() + static_cast<int64_t>(tail.size()); }
  };
  void write_unwritten(int32_t partition, Partition& p) const;  // the caller holds mu_
  template <class Records>
  void add_records(int32_t partition, Records&& records, const std::vector<int64_t>& offsets,
                   const std::vector<uint64_t>& positions);
  void evict(int32_t partition, Partition& p);  // the caller holds mu_
  void read_indexed(int32_t partition, int64_t offset, size_t count, std::vector<Message>& out) const;

  const Wal* wal_ = nullptr;
  size_t tail_bytes_ = 0;
  mutable std::mutex mu_;
  mutable std::condition_variable grown_;
  mutable std::vector<Partition> partitions_;
  size_t memory_bytes_ = 0;
  bool broken_ = false;
  bool index_failed_ = false;  // said once; records then stay in memory
};

}  // namespace regent::events
