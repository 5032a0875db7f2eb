#pragma once
// Regent-Position tokens: where a command's events reached in the log. Opaque to clients; inside,
// "<partition>.<offset>" of the command's last event.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace regent::commands {

struct Position {
  int32_t partition = 0;
  int64_t offset = 0;
};

std::string format_position(Position p);
std::optional<Position> parse_position(std::string_view token);

}  // namespace regent::commands
