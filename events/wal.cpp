#include "events/wal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/crc.hpp>
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
  const std::string& s;
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
  std::string str() {
    uint32_t n = static_cast<uint32_t>(get(4));
    if (!ok || pos + n > s.size()) {
      ok = false;
      return {};
    }
    std::string v = s.substr(pos, n);
    pos += n;
    return v;
  }
};

uint32_t crc(const std::string& s) {
  boost::crc_32_type c;
  c.process_bytes(s.data(), s.size());
  return c.checksum();
}
}  // namespace

Wal::Wal(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(errno));
}

Wal::~Wal() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<WalBatch> Wal::load() {
  std::lock_guard lock(mu_);
  std::string all;
  char buf[1 << 16];
  ::lseek(fd_, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd_, buf, sizeof buf)) > 0;) all.append(buf, static_cast<size_t>(n));
  std::vector<WalBatch> batches;
  std::map<uint64_t, std::set<uint32_t>> cancelled;
  Cursor c{all};
  size_t good_end = 0;
  while (c.pos < all.size()) {
    uint32_t magic = static_cast<uint32_t>(c.get(4));
    uint32_t len = static_cast<uint32_t>(c.get(4));
    uint32_t sum = static_cast<uint32_t>(c.get(4));
    if (!c.ok || magic != kMagic || c.pos + len > all.size()) break;
    std::string payload = all.substr(c.pos, len);
    if (crc(payload) != sum) break;
    c.pos += len;
    good_end = c.pos;
    Cursor p{payload};
    uint8_t kind = static_cast<uint8_t>(p.get(1));
    uint64_t seq = p.get(8);
    next_seq_ = std::max(next_seq_, seq + 1);
    if (kind == kBatch) {
      WalBatch b;
      b.seq = seq;
      b.partition = static_cast<int32_t>(p.get(4));
      uint32_t count = static_cast<uint32_t>(p.get(4));
      for (uint32_t i = 0; i < count && p.ok; ++i) {
        Record r;
        r.key = p.str();
        r.value = p.str();
        uint32_t nh = static_cast<uint32_t>(p.get(4));
        for (uint32_t h = 0; h < nh && p.ok; ++h) {
          std::string k = p.str();
          r.headers.emplace_back(std::move(k), p.str());
        }
        b.records.push_back(std::move(r));
      }
      batches.push_back(std::move(b));
    } else if (kind == kCancel) {
      uint32_t n = static_cast<uint32_t>(p.get(4));
      for (uint32_t i = 0; i < n; ++i) cancelled[seq].insert(static_cast<uint32_t>(p.get(4)));
    }
  }
  if (good_end < all.size() && ::ftruncate(fd_, static_cast<off_t>(good_end)) != 0)
    throw std::runtime_error("cannot truncate " + path_);
  ::lseek(fd_, 0, SEEK_END);
  for (auto& b : batches) {
    auto it = cancelled.find(b.seq);
    if (it == cancelled.end()) continue;
    std::vector<Record> kept;
    for (uint32_t i = 0; i < b.records.size(); ++i)
      if (!it->second.count(i)) kept.push_back(std::move(b.records[i]));
    b.records = std::move(kept);
  }
  return batches;
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

uint64_t Wal::write_batch(int32_t partition, const std::vector<Record>& records) {
  std::string p;
  p.push_back(static_cast<char>(kBatch));
  put64(p, 0);  // the sequence number, known under the lock
  put32(p, static_cast<uint32_t>(partition));
  put32(p, static_cast<uint32_t>(records.size()));
  for (const auto& r : records) {
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
  append_frame(p);
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
