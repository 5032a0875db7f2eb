#include "events/kafka_handles.hpp"

#include <stdexcept>

namespace regent::events {

ConfHandle make_conf(const std::vector<std::pair<std::string, std::string>>& settings) {
  ConfHandle conf(rd_kafka_conf_new());
  char err[512];
  for (const auto& [k, v] : settings)
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      throw std::runtime_error("kafka config " + k + ": " + err);
  return conf;
}

}  // namespace regent::events
