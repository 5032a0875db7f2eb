#pragma once
// Structured logging: one line per record, JSON by default, with named fields. Callers never pass
// secrets or whole payloads at info.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace regent::core {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

void configure_logging(std::string_view level, std::string_view format);
bool log_enabled(LogLevel level);

using LogField = std::pair<std::string_view, std::string>;

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
