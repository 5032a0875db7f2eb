#include <iostream>

#include "core/log.hpp"
#include "events/log_reader.hpp"
#include "projections/engine.hpp"
#include "projections/migrations.hpp"
#include "projections/read_models.hpp"
#include "workers/roles.hpp"
#include "workers/signals.hpp"

namespace regent::workers {
namespace {
const core::Logger logger("workers");
}

int run_projections_worker(const core::Config& config) {
  if (config.kafka_brokers.empty() || config.kafka_brokers == "embedded") {
    logger.error("REGENT_KAFKA_BROKERS must name a cluster (the embedded one lives inside `regent dev`)");
    return 2;
  }
  projections::migrate(config.pg_url);
  events::LogReader probe(config.kafka_brokers, config.kafka_topic);
  int32_t partitions = probe.partition_count(std::chrono::seconds(30));
  if (partitions <= 0) {
    logger.error("the event topic does not exist yet", {{"topic", config.kafka_topic}});
    return 1;
  }
  projections::Engine engine({config.pg_url, config.kafka_brokers, config.kafka_topic, partitions, 1000},
                             projections::all_projections());
  engine.start();
  logger.info("projection worker running", {{"partitions", std::to_string(partitions)}});
  std::cout << "regent projections worker running" << std::endl;
  wait_for_stop_signal();
  logger.info("stopping: committing the batch in hand");
  engine.stop();
  return 0;
}

int run_migrate(const core::Config& config) {
  int n = projections::migrate(config.pg_url);
  logger.info("migrations done", {{"applied", std::to_string(n)}});
  return 0;
}

}  // namespace regent::workers
