#pragma once
// Postgres array literals, so that one statement carries a whole batch (UNNEST($1::text[], ...)):
// set-based writes instead of one statement per event.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace regent::projections {

// Collects the values of one array parameter; nullopt is NULL.
class PgArray {
 public:
  void add(std::optional<std::string_view> value);
  void add(int64_t value) { add(std::string_view(std::to_string(value))); }
  std::string literal() const { return out_ + "}"; }
  size_t size() const { return count_; }

 private:
  std::string out_ = "{";
  size_t count_ = 0;
};

}  // namespace regent::projections
