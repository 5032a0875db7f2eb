#pragma once
// Wall-clock time as Unix milliseconds, and its RFC 3339 form with milliseconds in UTC.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace regent::core {

using UnixMillis = int64_t;

UnixMillis now_millis();
std::string format_rfc3339(UnixMillis ms);                    // 2026-11-24T10:00:00.123Z
std::optional<UnixMillis> parse_rfc3339(std::string_view s);  // accepts Z or +hh:mm offsets

}  // namespace regent::core
