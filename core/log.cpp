#include "core/log.hpp"

#include <atomic>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <cstdio>
#include <mutex>

#include "core/clock.hpp"

namespace regent::core {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::info)};
std::atomic<bool> g_json{true};
std::mutex g_mu;

const char* name(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

std::string quoted(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }
}  // namespace

void configure_logging(std::string_view level, std::string_view format) {
  LogLevel l = LogLevel::info;
  if (level == "debug") l = LogLevel::debug;
  else if (level == "warn") l = LogLevel::warn;
  else if (level == "error") l = LogLevel::error;
  g_level = static_cast<int>(l);
  g_json = format != "text";
}

bool log_enabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void Logger::write(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) const {
  if (!log_enabled(level)) return;
  std::string line;
  if (g_json) {
    line = "{\"time\":\"" + format_rfc3339(now_millis()) + "\",\"level\":\"" + name(level) +
           "\",\"component\":" + quoted(component_) + ",\"msg\":" + quoted(msg);
    for (const auto& f : fields) line += "," + quoted(f.key) + ":" + (f.number ? f.value : quoted(f.value));
    line += "}\n";
  } else {
    line = format_rfc3339(now_millis()) + " " + name(level) + " [" + std::string(component_) + "] " +
           std::string(msg);
    for (const auto& f : fields) line += " " + std::string(f.key) + "=" + f.value;
    line += "\n";
  }
  std::lock_guard lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace regent::core
