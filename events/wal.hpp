#pragma once
// The write-ahead file that makes the embedded (in-memory) log durable. Each batch is written and
// fsynced before it is produced, so no reader can see an event the file lacks; at start the file
// is produced back, partition by partition and in order, which reproduces the same offsets.
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "events/kafka_handles.hpp"

namespace regent::events {

struct WalBatch {
  uint64_t seq = 0;
  int32_t partition = 0;
  std::vector<Record> records;
};

class Wal {
 public:
  explicit Wal(std::string path);
  ~Wal();

  // Every batch still standing, in file order: written batches minus the records later
  // cancelled, each record with its position in the file (for read_record). A torn record at the
  // end (a crash mid-write) is cut off. Streams: a batch at a time is in memory, whatever the size
  // of the file.
  using BatchFn = std::function<void(WalBatch&, const std::vector<uint64_t>& positions)>;
  void load(const BatchFn& each);
  std::vector<WalBatch> load();  // the same, gathered (small files: tests, tools)
  // The same with the records' bytes still in the file's read buffer (valid during the call): no
  // copy of each key, value and header.
  using ViewFn = std::function<void(int32_t partition, uint64_t seq, const std::vector<RecordView>& records,
                                    const std::vector<uint64_t>& positions)>;
  void load_views(const ViewFn& each);

  // Returns once the batch is on disk. Batches written by several threads meanwhile share one
  // fdatasync (group commit): a partition's worker waits for the disk once per round, not once
  // per batch of every partition in turn. `positions`, if given, receives where each record lies.
  uint64_t write_batch(int32_t partition, const std::vector<Record>& records, std::vector<uint64_t>* positions = nullptr);
  // Marks a batch whose append failed, so that replay leaves it out; `failed` are record indexes.
  void cancel(uint64_t seq, const std::vector<uint32_t>& failed);

  // Reads back the key and value of the record at `position` (as load or write_batch gave it).
  // `buffer` is the caller's: neighbouring records are then read with one pread. Thread-safe.
  struct ReadBuffer {
    uint64_t start = 0;
    std::string data;
  };
  void read_record(uint64_t position, ReadBuffer& buffer, std::string& key, std::string& value) const;

 private:
  void append_frame(const std::string& payload);  // the caller holds mu_
  void sync_through(std::unique_lock<std::mutex>& lock, uint64_t bytes);
  const char* bytes_at(ReadBuffer& buffer, uint64_t position, size_t length) const;
  std::string path_;
  std::mutex mu_;
  std::condition_variable synced_cv_;
  int fd_ = -1;
  uint64_t next_seq_ = 1;
  uint64_t size_ = 0;     // of the file: where the next frame goes
  uint64_t written_ = 0;  // bytes written by this process
  uint64_t synced_ = 0;   // of which known to be on disk
  bool syncing_ = false;  // a thread is in fdatasync for everyone
};

}  // namespace regent::events
