#include "events/history.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <type_traits>

#include "core/log.hpp"
#include "events/wal.hpp"

namespace regent::events {
namespace {
const core::Logger logger("events");
constexpr size_t kEntry = sizeof(uint64_t);

// Writes the positions of offsets [first, first + entries.size()) to a partition's index file.
bool write_index(int fd, int64_t first, const std::vector<uint64_t>& entries, int32_t partition) {
  size_t length = entries.size() * kEntry;
  auto at = static_cast<off_t>(static_cast<uint64_t>(first) * kEntry);
  const char* data = reinterpret_cast<const char*>(entries.data());
  for (size_t done = 0; done < length;) {
    ssize_t n = ::pwrite(fd, data + done, length - done, at + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      logger.error("the embedded log's offset index cannot be written",
                   {{"partition", partition}, {"error", std::strerror(errno)}});
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}
}  // namespace

History::History(int32_t partitions) : partitions_(static_cast<size_t>(partitions)) {}

History::History(int32_t partitions, const Wal& wal, const std::string& index_dir, size_t tail_bytes)
    : wal_(&wal), tail_bytes_(tail_bytes), partitions_(static_cast<size_t>(partitions)) {
  std::filesystem::create_directories(index_dir);
  for (size_t p = 0; p < partitions_.size(); ++p) {
    std::string path = (std::filesystem::path(index_dir) / ("p" + std::to_string(p) + ".idx")).string();
    // Rebuilt from the write-ahead file at every start: what an earlier run left is not trusted.
    partitions_[p].index_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (partitions_[p].index_fd < 0)
      throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  }
}

History::~History() {
  for (auto& p : partitions_)
    if (p.index_fd >= 0) ::close(p.index_fd);
}

void History::add(int32_t partition, const std::vector<Record>& records, const std::vector<int64_t>& offsets,
                  const std::vector<uint64_t>& positions) {
  add_records(partition, records, offsets, positions);
}

void History::add(int32_t partition, std::vector<Record>&& records, const std::vector<int64_t>& offsets,
                  const std::vector<uint64_t>& positions) {
  add_records(partition, std::move(records), offsets, positions);
}

template <class Records>
void History::add_records(int32_t partition, Records&& records, const std::vector<int64_t>& offsets,
                          const std::vector<uint64_t>& positions) {
  constexpr bool take =
      !std::is_const_v<std::remove_reference_t<Records>> && std::is_rvalue_reference_v<Records&&>;
  std::lock_guard lock(mu_);
  auto& part = partitions_.at(static_cast<size_t>(partition));
  write_unwritten(partition, part);
  for (size_t i = 0; i < records.size() && i < offsets.size(); ++i) {
    if (offsets[i] < 0) continue;
    int64_t expected = part.end();
    if (offsets[i] != expected) {
      // Only this process appends to the embedded log, so offsets are dense; anything else would
      // make the history lie. Readers then get what the mock has, and fail loudly where it lacks.
      logger.error("the embedded log's history lost step", {{"partition", partition},
                                                            {"expected", expected},
                                                            {"offset", offsets[i]}});
      broken_ = true;
      continue;
    }
    size_t bytes = records[i].key.size() + records[i].value.size();
    uint64_t position = i < positions.size() ? positions[i] : 0;
    if constexpr (take)
      part.tail.push_back({std::move(records[i].key), std::move(records[i].value), position});
    else
      part.tail.push_back({records[i].key, records[i].value, position});
    part.bytes += bytes;
    memory_bytes_ += bytes;
  }
  if (wal_ && !positions.empty()) evict(partition, part);
  grown_.notify_all();
}

void History::add_indexed(int32_t partition, const std::vector<int64_t>& offsets,
                          const std::vector<uint64_t>& positions) {
  constexpr size_t kWriteEvery = 8192;  // entries: one index write per 64 KB of it
  std::lock_guard lock(mu_);
  auto& part = partitions_.at(static_cast<size_t>(partition));
  if (!part.tail.empty()) throw std::logic_error("records by position after records in memory");
  for (size_t i = 0; i < offsets.size() && i < positions.size(); ++i) {
    if (offsets[i] < 0) continue;
    if (offsets[i] != part.end()) {
      logger.error("the embedded log's history lost step", {{"partition", partition},
                                                            {"expected", part.end()},
                                                            {"offset", offsets[i]}});
      broken_ = true;
      continue;
    }
    part.unwritten.push_back(positions[i]);
  }
  if (part.unwritten.size() >= kWriteEvery) write_unwritten(partition, part);
  grown_.notify_all();
}

void History::write_unwritten(int32_t partition, Partition& part) const {
  if (part.unwritten.empty()) return;
  if (!write_index(part.index_fd, part.base, part.unwritten, partition))
    throw std::runtime_error("the embedded log's offset index cannot be written");
  part.base += static_cast<int64_t>(part.unwritten.size());
  part.unwritten.clear();
}

// The oldest records leave memory once the tail is over its budget; their positions go to the
// index first, so that a reader never finds an offset in neither place.
void History::evict(int32_t partition, Partition& part) {
  if (part.bytes <= tail_bytes_ || index_failed_) return;
  std::vector<uint64_t> entries;
  size_t freed = 0;
  for (auto it = part.tail.begin();
       it != part.tail.end() && part.bytes - freed > tail_bytes_ && part.tail.size() - entries.size() > 1;
       ++it) {
    entries.push_back(it->position);
    freed += it->key.size() + it->value.size();
  }
  if (!write_index(part.index_fd, part.base, entries, partition)) {
    logger.error("records of the embedded log stay in memory", {{"partition", partition}});
    index_failed_ = true;
    return;
  }
  part.tail.erase(part.tail.begin(), part.tail.begin() + static_cast<std::ptrdiff_t>(entries.size()));
  part.base += static_cast<int64_t>(entries.size());
  part.bytes -= freed;
  memory_bytes_ -= freed;
}

int64_t History::size(int32_t partition) const {
  std::lock_guard lock(mu_);
  return partitions_.at(static_cast<size_t>(partition)).end();
}

size_t History::memory_bytes() const {
  std::lock_guard lock(mu_);
  return memory_bytes_;
}

// Offsets below a partition's base never change: their index entries and the file's bytes are
// read without the lock.
void History::read_indexed(int32_t partition, int64_t offset, size_t count, std::vector<Message>& out) const {
  const auto& part = partitions_.at(static_cast<size_t>(partition));
  std::vector<uint64_t> entries(count);
  size_t length = count * kEntry;
  auto at = static_cast<off_t>(static_cast<uint64_t>(offset) * kEntry);
  for (size_t done = 0; done < length;) {
    ssize_t n = ::pread(part.index_fd, reinterpret_cast<char*>(entries.data()) + done, length - done,
                        at + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw std::runtime_error("the embedded log's offset index cannot be read: " +
                               std::string(std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  Wal::ReadBuffer buffer;
  for (size_t i = 0; i < count; ++i) {
    Message m{partition, offset + static_cast<int64_t>(i), {}, {}};
    wal_->read_record(entries[i], buffer, m.key, m.value);
    out.push_back(std::move(m));
  }
}

std::vector<Message> History::read(int32_t partition, int64_t offset, size_t max) const {
  std::vector<Message> out;
  if (offset < 0) return out;
  auto& part = partitions_.at(static_cast<size_t>(partition));
  while (out.size() < max) {
    std::unique_lock lock(mu_);
    write_unwritten(partition, part);
    int64_t end = part.end();
    if (offset >= end) break;
    if (offset < part.base) {
      auto count =
          static_cast<size_t>(std::min<int64_t>(part.base - offset, static_cast<int64_t>(max - out.size())));
      lock.unlock();
      read_indexed(partition, offset, count, out);
      offset += static_cast<int64_t>(count);
      continue;
    }
    for (auto i = static_cast<size_t>(offset - part.base); i < part.tail.size() && out.size() < max;
         ++i, ++offset)
      out.push_back(Message{partition, offset, part.tail[i].key, part.tail[i].value});
  }
  return out;
}

std::optional<Message> History::at(int32_t partition, int64_t offset) const {
  auto one = read(partition, offset, 1);
  if (one.empty()) return std::nullopt;
  return std::move(one.front());
}

void History::mark_broken() {
  std::lock_guard lock(mu_);
  if (!broken_)
    logger.warn("an append failed: readers of the embedded log fetch from the mock cluster from now on");
  broken_ = true;
  grown_.notify_all();
}

bool History::broken() const {
  std::lock_guard lock(mu_);
  return broken_;
}

void History::wait_for_more(const std::map<int32_t, int64_t>& from, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  grown_.wait_for(lock, timeout, [&] {
    if (broken_) return true;
    for (const auto& [p, offset] : from)
      if (offset < partitions_.at(static_cast<size_t>(p)).end()) return true;
    return false;
  });
}

}  // namespace regent::events
