#include "commands/position.hpp"

#include <charconv>

namespace regent::commands {

std::string format_position(Position p) {
  return std::to_string(p.partition) + "." + std::to_string(p.offset);
}

std::optional<Position> parse_position(std::string_view token) {
  auto dot = token.find('.');
  if (dot == std::string_view::npos || token.size() > 40) return std::nullopt;
  Position p;
  auto a = std::from_chars(token.data(), token.data() + dot, p.partition);
  auto b = std::from_chars(token.data() + dot + 1, token.data() + token.size(), p.offset);
  if (a.ec != std::errc{} || a.ptr != token.data() + dot || b.ec != std::errc{} ||
      b.ptr != token.data() + token.size() || p.partition < 0 || p.offset < 0)
    return std::nullopt;
  return p;
}

}  // namespace regent::commands
