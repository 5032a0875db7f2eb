#include "events/wal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>

namespace regent::events {
namespace {
constexpr uint32_t kMagic = 0x52474e57;  // "RGNW"
enum : uint8_t { kBatch = 1, kCancel = 2 };

void put32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}
void put64(std::string& s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}
void put_str(std::string& s, const std::string& v) {
  put32(s, static_cast<uint32_t>(v.size()));
  s += v;
}

struct Cursor {
  std::string_view s;
  size_t pos = 0;
  bool ok = true;
  uint64_t get(int bytes) {
    if (pos + bytes > s.size()) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t(static_cast<unsigned char>(s[pos + i])) << (8 * i);
    pos += bytes;
    return v;
  }
  std::string_view view() {
    uint32_t n = static_cast<uint32_t>(get(4));
    if (!ok || pos + n > s.size()) {
      ok = false;
      return {};
    }
    std::string_view v = s.substr(pos, n);
    pos += n;
    return v;
  }
  std::string str() { return std::string(view()); }
};

// CRC-32 (IEEE), zlib's: several times faster than a table walk a byte at a time.
uint32_t crc(std::string_view s) {
  return static_cast<uint32_t>(::crc32_z(0L, reinterpret_cast<const Bytef*>(s.data()), s.size()));
}
constexpr size_t kHeader = 12;  // magic, length, checksum
constexpr size_t kReadChunk = 1 << 20;

// Reads the file front to back, frame by frame, with large reads; stops at the end or at the
// first frame that is torn or does not match its checksum.
class FrameScanner {
 public:
  // `verify`: check each frame's checksum (a pass over frames already checked need not).
  FrameScanner(int fd, uint64_t limit, bool verify = true) : fd_(fd), limit_(limit), verify_(verify) {}
  // The next intact frame: where it starts and its payload (valid until the next call).
  bool next(uint64_t& at, std::string_view& payload) {
    if (!have(kHeader)) return false;
    Cursor h{std::string_view(buf_).substr(pos_, kHeader)};
    uint32_t magic = static_cast<uint32_t>(h.get(4));
    uint32_t len = static_cast<uint32_t>(h.get(4));
    uint32_t sum = static_cast<uint32_t>(h.get(4));
    if (magic != kMagic || !have(kHeader + len)) return false;
    payload = std::string_view(buf_).substr(pos_ + kHeader, len);
    if (verify_ && crc(payload) != sum) return false;
    at = start_ + pos_;
    pos_ += kHeader + len;
    return true;
  }
  uint64_t position() const { return start_ + pos_; }  // after the last intact frame

 private:
  bool have(size_t n) {
    if (buf_.size() - pos_ >= n) return true;
    buf_.erase(0, pos_);
    start_ += pos_;
    pos_ = 0;
    while (buf_.size() < n) {
      uint64_t from = start_ + buf_.size();
      if (from >= limit_) return false;
      size_t want = static_cast<size_t>(std::min<uint64_t>(std::max(n - buf_.size(), kReadChunk), limit_ - from));
      size_t old = buf_.size();
      buf_.resize(old + want);
      ssize_t got = ::pread(fd_, buf_.data() + old, want, static_cast<off_t>(from));
      if (got <= 0) {
        buf_.resize(old);
        return false;
      }
      buf_.resize(old + static_cast<size_t>(got));
    }
    return true;
  }
  int fd_;
  uint64_t limit_;
  bool verify_;
  uint64_t start_ = 0;  // file position of buf_[0]
  std::string buf_;
  size_t pos_ = 0;
};
}  // namespace

Wal::Wal(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(errno));
  off_t end = ::lseek(fd_, 0, SEEK_END);  // frames are appended after what is there
  if (end < 0) throw std::runtime_error("cannot seek " + path_ + ": " + std::strerror(errno));
  size_ = static_cast<uint64_t>(end);
}

Wal::~Wal() {
  if (fd_ >= 0) ::close(fd_);
}

void Wal::load_views(const ViewFn& each) {
  std::lock_guard lock(mu_);
  struct stat st {};
  if (::fstat(fd_, &st) != 0) throw std::runtime_error("cannot stat " + path_ + ": " + std::strerror(errno));
  uint64_t file_size = static_cast<uint64_t>(st.st_size);
  // First pass: which records were cancelled (cancellations follow their batch), and where the
  // intact part of the file ends.
  std::map<uint64_t, std::set<uint32_t>> cancelled;
  uint64_t good_end = 0;
  {
    FrameScanner scan(fd_, file_size);
    uint64_t at = 0;
    std::string_view payload;
    while (scan.next(at, payload)) {
      Cursor p{payload};
      uint8_t kind = static_cast<uint8_t>(p.get(1));
      uint64_t seq = p.get(8);
      next_seq_ = std::max(next_seq_, seq + 1);
      if (kind == kCancel) {
        uint32_t n = static_cast<uint32_t>(p.get(4));
        for (uint32_t i = 0; i < n && p.ok; ++i) cancelled[seq].insert(static_cast<uint32_t>(p.get(4)));
      }
    }
    good_end = scan.position();
  }
  if (good_end < file_size && ::ftruncate(fd_, static_cast<off_t>(good_end)) != 0)
    throw std::runtime_error("cannot truncate " + path_);
  size_ = good_end;
  ::lseek(fd_, 0, SEEK_END);
  // Second pass, over frames the first one checked: the batches, a record's position being where
  // its key's length begins. The vectors keep their capacity from batch to batch.
  FrameScanner scan(fd_, good_end, false);
  uint64_t at = 0;
  std::string_view payload;
  std::vector<RecordView> records;
  std::vector<uint64_t> positions;
  while (scan.next(at, payload)) {
    Cursor p{payload};
    uint8_t kind = static_cast<uint8_t>(p.get(1));
    if (kind != kBatch) continue;
    uint64_t seq = p.get(8);
    auto partition = static_cast<int32_t>(p.get(4));
    uint32_t count = static_cast<uint32_t>(p.get(4));
    size_t kept = 0;
    positions.clear();
    auto gone = cancelled.find(seq);
    for (uint32_t i = 0; i < count && p.ok; ++i) {
      uint64_t position = at + kHeader + p.pos;
      if (records.size() <= kept) records.emplace_back();
      RecordView& r = records[kept];
      r.key = p.view();
      r.value = p.view();
      uint32_t nh = static_cast<uint32_t>(p.get(4));
      r.headers.resize(nh);
      for (uint32_t h = 0; h < nh && p.ok; ++h) {
        r.headers[h].first = p.view();
        r.headers[h].second = p.view();
      }
      if (gone != cancelled.end() && gone->second.count(i)) continue;
      ++kept;
      positions.push_back(position);
    }
    records.resize(kept);
    each(partition, seq, records, positions);
  }
}

void Wal::load(const BatchFn& each) {
  WalBatch b;
  load_views([&](int32_t partition, uint64_t seq, const std::vector<RecordView>& views,
                 const std::vector<uint64_t>& positions) {
    b.seq = seq;
    b.partition = partition;
    b.records.clear();
    for (const auto& v : views) {
      Record r{std::string(v.key), std::string(v.value), {}};
      for (const auto& [k, value] : v.headers) r.headers.emplace_back(std::string(k), std::string(value));
      b.records.push_back(std::move(r));
    }
    each(b, positions);
  });
}

std::vector<WalBatch> Wal::load() {
  std::vector<WalBatch> batches;
  load([&](WalBatch& b, const std::vector<uint64_t>&) { batches.push_back(std::move(b)); });
  return batches;
}

const char* Wal::bytes_at(ReadBuffer& buffer, uint64_t position, size_t length) const {
  if (position < buffer.start || position + length > buffer.start + buffer.data.size()) {
    buffer.start = position;
    buffer.data.resize(std::max(length, kReadChunk / 4));
    ssize_t got = ::pread(fd_, buffer.data.data(), buffer.data.size(), static_cast<off_t>(position));
    if (got < 0) throw std::runtime_error("cannot read " + path_ + ": " + std::strerror(errno));
    buffer.data.resize(static_cast<size_t>(got));
    if (buffer.data.size() < length)
      throw std::runtime_error("cannot read " + path_ + ": a record at " + std::to_string(position) + " is cut short");
  }
  return buffer.data.data() + (position - buffer.start);
}

void Wal::read_record(uint64_t position, ReadBuffer& buffer, std::string& key, std::string& value) const {
  auto length = [&](uint64_t at) {
    const char* p = bytes_at(buffer, at, 4);
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= uint32_t(static_cast<unsigned char>(p[i])) << (8 * i);
    return n;
  };
  uint32_t key_len = length(position);
  key.assign(bytes_at(buffer, position + 4, key_len), key_len);
  uint64_t value_at = position + 4 + key_len;
  uint32_t value_len = length(value_at);
  value.assign(bytes_at(buffer, value_at + 4, value_len), value_len);
}

void Wal::append_frame(const std::string& payload) {
  std::string frame;
  put32(frame, kMagic);
  put32(frame, static_cast<uint32_t>(payload.size()));
  put32(frame, crc(payload));
  frame += payload;
  size_t done = 0;
  while (done < frame.size()) {
    ssize_t n = ::write(fd_, frame.data() + done, frame.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  size_ += frame.size();
  written_ += frame.size();
}

// One thread syncs for everyone waiting; those who wrote while it was in fdatasync go in the next
// round, together.
void Wal::sync_through(std::unique_lock<std::mutex>& lock, uint64_t bytes) {
  while (synced_ < bytes) {
    if (syncing_) {
      synced_cv_.wait(lock);
      continue;
    }
    syncing_ = true;
    uint64_t target = written_;
    lock.unlock();
    int rc = ::fdatasync(fd_);
    int err = errno;
    lock.lock();
    syncing_ = false;
    synced_cv_.notify_all();
    if (rc != 0) throw std::runtime_error("cannot sync " + path_ + ": " + std::strerror(err));
    synced_ = target;  // one sync at a time, each covering at least what the last one did
  }
}

uint64_t Wal::write_batch(int32_t partition, const std::vector<Record>& records, std::vector<uint64_t>* positions) {
  std::string p;
  p.push_back(static_cast<char>(kBatch));
  put64(p, 0);  // the sequence number, known under the lock
  put32(p, static_cast<uint32_t>(partition));
  put32(p, static_cast<uint32_t>(records.size()));
  if (positions) positions->clear();
  for (const auto& r : records) {
    if (positions) positions->push_back(kHeader + p.size());  // within the frame, for now
    put_str(p, r.key);
    put_str(p, r.value);
    put32(p, static_cast<uint32_t>(r.headers.size()));
    for (const auto& [k, v] : r.headers) {
      put_str(p, k);
      put_str(p, v);
    }
  }
  std::unique_lock lock(mu_);
  uint64_t seq = next_seq_++;
  for (int i = 0; i < 8; ++i) p[1 + i] = static_cast<char>(seq >> (8 * i));
  uint64_t at = size_;
  append_frame(p);
  if (positions)
    for (auto& pos : *positions) pos += at;
  sync_through(lock, written_);
  return seq;
}

void Wal::cancel(uint64_t seq, const std::vector<uint32_t>& failed) {
  std::string p;
  p.push_back(static_cast<char>(kCancel));
  put64(p, seq);
  put32(p, static_cast<uint32_t>(failed.size()));
  for (auto i : failed) put32(p, i);
  std::unique_lock lock(mu_);
  append_frame(p);
  sync_through(lock, written_);
}

}  // namespace regent::events
