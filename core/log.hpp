#pragma once
// Structured logging: one line per record, JSON by default, with named fields. Callers never pass
// secrets or whole payloads at info.
#include <cmath>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace regent::core {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

void configure_logging(std::string_view level, std::string_view format);
bool log_enabled(LogLevel level);

// A named field of a record: text, or a number (a JSON number in the JSON format).
struct LogField {
  LogField(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  template <class N>
    requires(std::is_arithmetic_v<N> && !std::is_same_v<N, bool> && !std::is_same_v<N, char>)
  LogField(std::string_view k, N n) : key(k), value(number_text(n)), number(true) {}
  std::string_view key;
  std::string value;
  bool number = false;

 private:
  template <class N>
  static std::string number_text(N n) {
    if constexpr (std::is_floating_point_v<N>) return std::isfinite(n) ? std::to_string(n) : std::string("0");
    else return std::to_string(n);
  }
};

class Logger {
 public:
  explicit Logger(std::string_view component) : component_(component) {}
  void debug(std::string_view msg, std::initializer_list<LogField> f = {}) const { write(LogLevel::debug, msg, f); }
  void info(std::string_view msg, std::initializer_list<LogField> f = {}) const { write(LogLevel::info, msg, f); }
  void warn(std::string_view msg, std::initializer_list<LogField> f = {}) const { write(LogLevel::warn, msg, f); }
  void error(std::string_view msg, std::initializer_list<LogField> f = {}) const { write(LogLevel::error, msg, f); }
  void write(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) const;

 private:
  std::string_view component_;
};

}  // namespace regent::core
