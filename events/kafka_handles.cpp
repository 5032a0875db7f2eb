#include "events/kafka_handles.hpp"

#include <stdexcept>

#include "core/log.hpp"

namespace regent::events {
namespace {
const core::Logger logger("kafka");

// librdkafka's own log lines (syslog levels) as Regent's records, not its `%5|...|` lines.
void log_line(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  core::LogLevel l = level <= 3 ? core::LogLevel::error
                     : level == 4 ? core::LogLevel::warn
                     : level <= 6 ? core::LogLevel::info
                                  : core::LogLevel::debug;
  logger.write(l, text, {{"facility", facility}, {"client", rk ? rd_kafka_name(rk) : ""}});
}
}  // namespace

ConfHandle make_conf(const std::vector<std::pair<std::string, std::string>>& settings) {
  ConfHandle conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), log_line);
  char err[512];
  for (const auto& [k, v] : settings)
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      throw std::runtime_error("kafka config " + k + ": " + err);
  return conf;
}

}  // namespace regent::events
