#include "core/address_policy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace regent::core {
namespace {

struct Range4 {
  uint32_t base;
  int bits;
  const char* why;
};

constexpr uint32_t v4(int a, int b, int c, int d) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | uint32_t(d);
}

// IANA's special-purpose IPv4 registry, less what is public (RFC 6890 and its updates).
constexpr std::array<Range4, 17> kRefused4 = {{
    {v4(0, 0, 0, 0), 8, "unspecified (\"this network\")"},
    {v4(10, 0, 0, 0), 8, "private"},
    {v4(100, 64, 0, 0), 10, "carrier-grade NAT"},
    {v4(127, 0, 0, 0), 8, "loopback"},
    {v4(169, 254, 0, 0), 16, "link-local (cloud metadata)"},
    {v4(172, 16, 0, 0), 12, "private"},
    {v4(192, 0, 0, 0), 24, "IETF protocol assignments"},
    {v4(192, 0, 2, 0), 24, "documentation"},
    {v4(192, 88, 99, 0), 24, "6to4 relay anycast"},
    {v4(192, 168, 0, 0), 16, "private"},
    {v4(198, 18, 0, 0), 15, "benchmarking"},
    {v4(198, 51, 100, 0), 24, "documentation"},
    {v4(203, 0, 113, 0), 24, "documentation"},
    {v4(224, 0, 0, 0), 4, "multicast"},
    {v4(240, 0, 0, 0), 4, "reserved"},
    {v4(255, 255, 255, 255), 32, "broadcast"},
    {v4(192, 31, 196, 0), 24, "AS112"},
}};

std::optional<std::string> judge4(uint32_t a) {
  for (const auto& r : kRefused4) {
    uint32_t mask = r.bits == 0 ? 0 : ~uint32_t{0} << (32 - r.bits);
    if ((a & mask) == (r.base & mask)) return std::string(r.why);
  }
  return std::nullopt;
}

uint32_t word(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

bool starts(const unsigned char* a, std::initializer_list<int> prefix, int bits) {
  int i = 0;
  for (int byte : prefix) {
    int take = std::min(8, bits - i * 8);
    if (take <= 0) break;
    unsigned mask = (0xffu << (8 - take)) & 0xffu;
    if ((a[i] & mask) != (unsigned(byte) & mask)) return false;
    ++i;
  }
  return true;
}

std::optional<std::string> judge6(const unsigned char* a) {
  static const unsigned char zero[16] = {};
  if (std::memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1)) return std::string(a[15] ? "loopback" : "unspecified");
  // IPv4 inside IPv6: judged as the IPv4 address.
  if (std::memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff) {
    auto why = judge4(word(a + 12));
    return why ? std::optional<std::string>(*why + " (IPv4-mapped)") : std::nullopt;
  }
  if (std::memcmp(a, zero, 12) == 0) return std::string("IPv4-compatible (deprecated)");
  if (starts(a, {0x00, 0x64, 0xff, 0x9b}, 32) && std::memcmp(a + 4, zero, 8) == 0) {  // 64:ff9b::/96, NAT64
    auto why = judge4(word(a + 12));
    return why ? std::optional<std::string>(*why + " (NAT64)") : std::nullopt;
  }
  if (starts(a, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48)) return std::string("local-use NAT64");
  if (starts(a, {0x20, 0x02}, 16)) {  // 2002::/16, 6to4: the IPv4 address follows
    auto why = judge4(word(a + 2));
    return why ? std::optional<std::string>(*why + " (6to4)") : std::nullopt;
  }
  if (starts(a, {0x20, 0x01, 0x00, 0x00}, 32)) return std::string("Teredo");
  if (starts(a, {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, 64)) return std::string("discard-only");
  if (starts(a, {0x20, 0x01, 0x0d, 0xb8}, 32)) return std::string("documentation");
  if (starts(a, {0x20, 0x01, 0x00, 0x10}, 28)) return std::string("ORCHID");
  if (starts(a, {0x20, 0x01, 0x00, 0x20}, 28)) return std::string("ORCHIDv2");
  if (starts(a, {0x20, 0x01, 0x00}, 23)) return std::string("IETF protocol assignments");
  if (starts(a, {0xfc}, 7)) return std::string("unique local (private)");
  if (starts(a, {0xfe, 0x80}, 10)) return std::string("link-local");
  if (starts(a, {0xfe, 0xc0}, 10)) return std::string("site-local (deprecated)");
  if (starts(a, {0xff}, 8)) return std::string("multicast");
  // Only global unicast (2000::/3) is public.
  if (!starts(a, {0x20}, 3)) return std::string("reserved");
  return std::nullopt;
}

}  // namespace

std::optional<std::string> refused_address(std::string_view ip) {
  std::string text(ip);
  if (!text.empty() && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  unsigned char a[16];
  if (inet_pton(AF_INET, text.c_str(), a) == 1) return judge4(word(a));
  if (text.find('%') != std::string::npos) return std::string("scoped (link-local)");
  if (inet_pton(AF_INET6, text.c_str(), a) == 1) return judge6(a);
  return std::string("not an IP address");
}

}  // namespace regent::core
