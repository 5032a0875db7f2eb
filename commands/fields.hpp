#pragma once
// Reading a request body's fields for the parsers (commands/validation.hpp): each field checked,
// unknown ones refused, every problem collected for one 422.
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/errc.hpp"
#include "core/json.hpp"

namespace regent::commands::detail {

inline size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

inline bool has_control_chars(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

// Reads an object's fields, remembering which are known, and collects every problem.
class Fields {
 public:
  Fields(simdjson::dom::element obj, std::vector<core::FieldError>& errors, std::string prefix = "")
      : obj_(obj), errors_(errors), prefix_(std::move(prefix)) {}

  std::optional<simdjson::dom::element> get(std::string_view key, bool required) {
    known_.insert(std::string(key));
    simdjson::dom::element v;
    if (obj_[key].get(v) != simdjson::SUCCESS || v.is_null()) {
      if (required) fail(key, "is required");
      return std::nullopt;
    }
    return v;
  }

  std::string text(std::string_view key, bool required, size_t min, size_t max) {
    auto v = get(key, required);
    if (!v) return {};
    if (v->type() != simdjson::dom::element_type::STRING) {
      fail(key, "must be a string");
      return {};
    }
    std::string_view s(*v);
    size_t n = utf8_length(s);
    if (n < min || n > max) {
      fail(key, "must be " + std::to_string(min) + " to " + std::to_string(max) + " characters");
    } else if (has_control_chars(s)) {
      fail(key, "must not contain control characters");
    }
    return std::string(s);
  }

  // A JSON integer written as one: `10.0` and `1e3` are refused like `"10"` (API.md: money is never
  // a float). Numbers too large even for a double's exactness are reported as out of range, never
  // wrapped.
  std::optional<int64_t> integer(std::string_view key, bool required, int64_t min, int64_t max,
                                 std::string below_min) {
    auto v = get(key, required);
    if (!v) return std::nullopt;
    double value;
    switch (v->type()) {
      case simdjson::dom::element_type::INT64: value = double(int64_t(*v)); break;
      case simdjson::dom::element_type::UINT64: value = double(uint64_t(*v)); break;
      case simdjson::dom::element_type::DOUBLE:
        // Every integer literal within 64 bits is read as one of the two above: a double within
        // that range was written with a fraction or an exponent. Beyond it, it is out of range.
        value = double(*v);
        if (std::fabs(value) < 9.2e18) {
          fail(key, "must be an integer, written without a fraction or an exponent");
          return std::nullopt;
        }
        break;
      default: fail(key, "must be an integer"); return std::nullopt;
    }
    if (value < double(min)) {
      fail(key, std::move(below_min));
      return std::nullopt;
    }
    if (value > double(max)) {
      fail(key, "must be at most " + std::to_string(max));
      return std::nullopt;
    }
    return v->type() == simdjson::dom::element_type::INT64 ? int64_t(*v) : static_cast<int64_t>(value);
  }

  void fail(std::string_view key, std::string message) {
    errors_.push_back({prefix_ + std::string(key), std::move(message)});
  }

  void reject_unknown() {
    for (auto field : simdjson::dom::object(obj_))
      if (!known_.count(std::string(field.key))) fail(field.key, "is not a known field");
  }

 private:
  simdjson::dom::element obj_;
  std::vector<core::FieldError>& errors_;
  std::string prefix_;
  std::set<std::string> known_;
};

inline core::Error invalid(std::vector<core::FieldError> errors) {
  return core::Error{core::errc::validation_failed, "the request breaks the schema", std::move(errors)};
}

}  // namespace regent::commands::detail
