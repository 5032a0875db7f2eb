#pragma once
// Strong id types (a user id cannot be passed where a tenant id goes) and UUIDv7 generation.
#include <functional>
#include <string>
#include <string_view>

namespace regent::core {

template <class Tag>
struct Id {
  std::string value;
  bool operator==(const Id&) const = default;
  auto operator<=>(const Id&) const = default;
  bool empty() const { return value.empty(); }
};

using TenantId = Id<struct TenantTag>;
using UserId = Id<struct UserTag>;
using EventId = Id<struct EventTag>;

// A new RFC 9562 version 7 UUID: 48 bits of Unix milliseconds, then randomness. Ids made by one
// process sort by creation time.
std::string uuid_v7();

// `bytes` random bytes from the CSPRNG as lower-case hex (2 * bytes characters), drawn from the same
// per-thread pool as uuid_v7: for trace and span ids, made on every request.
std::string random_hex(size_t bytes);

// True for the canonical lower- or upper-case 8-4-4-4-12 hexadecimal form.
bool is_uuid(std::string_view s);

}  // namespace regent::core

template <class Tag>
struct std::hash<regent::core::Id<Tag>> {
  size_t operator()(const regent::core::Id<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.value);
  }
};
