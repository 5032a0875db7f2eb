#include "events/partitioner.hpp"

namespace regent::events {

uint32_t murmur2(std::string_view key) {
  const uint32_t seed = 0x9747b28c, m = 0x5bd1e995;
  const int r = 24;
  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  size_t len = key.size();
  uint32_t h = seed ^ static_cast<uint32_t>(len);
  size_t i = 0;
  for (; i + 4 <= len; i += 4) {
    uint32_t k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (uint32_t(data[i + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (len - i) {
    case 3: h ^= uint32_t(data[i + 2]) << 16; [[fallthrough]];
    case 2: h ^= uint32_t(data[i + 1]) << 8; [[fallthrough]];
    case 1: h ^= data[i]; h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return h;
}

int32_t partition_for(std::string_view key, int32_t partitions) {
  return static_cast<int32_t>((murmur2(key) & 0x7fffffff) % static_cast<uint32_t>(partitions));
}

}  // namespace regent::events
