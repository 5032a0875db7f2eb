#include "core/ids.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>

#include <pthread.h>

#include "core/crypto.hpp"

namespace regent::core {
namespace {
// Ids are made on every request (its Request-Id) and for every event: one call into the CSPRNG per
// id was 7% of a read's CPU. Each thread draws from its own pool, refilled from the CSPRNG 512 bytes
// at a time. A forked child drops the pool it inherited, so parent and child never share bytes.
std::atomic<unsigned> fork_generation{0};
const bool fork_handler_set = [] {
  pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1, std::memory_order_relaxed); });
  return true;
}();

void id_random_bytes(unsigned char* out, size_t n) {
  struct Pool {
    std::array<unsigned char, 512> bytes{};
    size_t used = 512;
    unsigned generation = 0;
  };
  thread_local Pool pool;
  unsigned generation = fork_generation.load(std::memory_order_relaxed);
  if (pool.generation != generation) {
    pool.used = pool.bytes.size();
    pool.generation = generation;
  }
  if (pool.used + n > pool.bytes.size()) {
    random_bytes(pool.bytes.data(), pool.bytes.size());
    pool.used = 0;
  }
  std::memcpy(out, pool.bytes.data() + pool.used, n);
  // Handed out once: nothing keeps a copy of bytes already used.
  std::memset(pool.bytes.data() + pool.used, 0, n);
  pool.used += n;
}
}  // namespace

std::string uuid_v7() {
  // Monotonic within the process: when the clock stands still or steps back, the 12-bit
  // counter in rand_a keeps ids increasing, so keyset pagination by id follows creation order.
  static std::mutex mu;
  static uint64_t last_ms = 0;
  static uint16_t counter = 0;
  uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  uint16_t seq;
  {
    std::lock_guard lock(mu);
    if (ms <= last_ms) {
      ms = last_ms;
      if (++counter > 0x0fff) {
        counter = 0;
        ms = ++last_ms;
      }
    } else {
      last_ms = ms;
      counter = 0;
    }
    seq = counter;
  }
  std::array<unsigned char, 16> b{};
  id_random_bytes(b.data() + 8, 8);  // the first 8 bytes are the time and the counter
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  b[6] = static_cast<unsigned char>(0x70 | ((seq >> 8) & 0x0f));
  b[7] = static_cast<unsigned char>(seq & 0xff);
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(hex[b[i] >> 4]);
    out.push_back(hex[b[i] & 0x0f]);
  }
  return out;
}

std::string random_hex(size_t bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes);
  unsigned char chunk[16];
  while (bytes > 0) {
    size_t n = std::min(bytes, sizeof chunk);
    id_random_bytes(chunk, n);
    for (size_t i = 0; i < n; ++i) {
      out.push_back(hex[chunk[i] >> 4]);
      out.push_back(hex[chunk[i] & 15]);
    }
    bytes -= n;
  }
  return out;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace regent::core
