#include <boost/json.hpp>
#include <iostream>
#include <thread>
#include <pqxx/pqxx>

#include "api/http_server.hpp"
#include "core/log.hpp"
#include "core/waiting.hpp"
#include "events/log_reader.hpp"
#include "events/topic_settings.hpp"
#include "projections/engine.hpp"
#include "projections/migrations.hpp"
#include "projections/read_models.hpp"
#include "projections/rebuild.hpp"
#include "projections/status.hpp"
#include "workers/roles.hpp"
#include "workers/server_app.hpp"
#include "workers/signals.hpp"
#include "workers/worker_endpoints.hpp"

namespace regent::workers {
namespace {
const core::Logger logger("workers");

bool needs_cluster(const core::Config& config) {
  if (!config.kafka_brokers.empty() && config.kafka_brokers != "embedded") return true;
  logger.error("REGENT_KAFKA_BROKERS must name a cluster (the embedded one lives inside `regent dev`)");
  return false;
}

int32_t topic_partitions(const core::Config& config) {
  events::LogReader probe(config.kafka_brokers, config.kafka_topic);
  int32_t partitions = probe.partition_count(std::chrono::seconds(30));
  if (partitions <= 0) {
    logger.error("the event topic does not exist yet", {{"topic", config.kafka_topic}});
    return partitions;
  }
  // Throws, naming the setting and the fix, when the topic cannot keep the whole log.
  events::check_topic(config.kafka_brokers, config.kafka_topic, events::topic_requirements(config),
                      static_cast<int>(std::max<int64_t>(config.kafka_timeout_ms, 10000)));
  return partitions;
}

std::unique_ptr<projections::Projection> projection_named(const std::string& name) {
  for (auto& p : projections::all_projections())
    if (p->name() == name) return std::move(p);
  return nullptr;
}

std::string projection_names() {
  std::string out;
  for (auto& p : projections::all_projections()) out += (out.empty() ? "" : ", ") + p->name();
  return out;
}

// Ready: Postgres answers, the group has answered, and no projection is stuck.
Readiness projections_readiness(const projections::Engine& engine, const core::Config& config) {
  bool postgres = false;
  try {
    pqxx::connection conn(config.pg_url);
    pqxx::nontransaction(conn).exec("SELECT 1");
    postgres = true;
  } catch (const std::exception&) {
  }
  auto problems = engine.problems();
  bool ready = postgres && engine.joined() && problems.empty();
  boost::json::array stuck;
  for (auto& p : problems) stuck.emplace_back(p);
  boost::json::object body{{"status", ready ? "ready" : "unavailable"},
                           {"checks", {{"postgres", postgres}, {"group", engine.joined()}, {"projections", problems.empty()}}},
                           {"stuck", stuck}};
  return {ready, boost::json::serialize(body)};
}
}  // namespace

int run_projections_worker(const core::Config& config) {
  if (!needs_cluster(config)) return 2;
  projections::migrate(config.pg_url);
  int32_t partitions = topic_partitions(config);
  if (partitions <= 0) return 1;
  projections::EngineOptions options;
  options.runners.where = {config.pg_url, config.kafka_brokers, config.kafka_topic, partitions, nullptr,
                           open_master_key_file(config, false)};
  options.group = config.kafka_topic + ".projections";
  options.instance_id = new_instance_id();
  options.session_timeout = std::chrono::milliseconds(config.writer_session_timeout_ms);
  projections::Engine engine(options, projections::all_projections());
  engine.start();
  api::ServerOptions http;
  http.address = config.http_addr;
  http.port = config.http_port;
  http.handler_threads = 2;
  api::HttpServer server(http, [&](api::Request& req) {
    api::Response resp;
    core::run_blocking([&] {  // Postgres: off the I/O thread
      resp = worker_endpoint(req, "a projections worker", [&] { return projections_readiness(engine, config); });
    });
    return resp;
  });
  server.start();
  // Running means projecting: the first join of a group takes a few seconds.
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
       !engine.joined() && std::chrono::steady_clock::now() < deadline;)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!engine.joined()) logger.warn("the projection workers' group has not answered yet; /readyz says so until it does");
  logger.info("projection worker running", {{"partitions", partitions}, {"group", options.group}});
  std::cout << "regent projections worker listening on http://" << config.http_addr << ":" << server.port() << "\n"
            << "regent projections worker running" << std::endl;
  wait_for_stop_signal();
  logger.info("stopping: leaving the group and committing the batches in hand");
  server.shutdown(std::chrono::seconds(2));
  engine.stop();
  return 0;
}

int run_migrate(const core::Config& config) {
  int n = projections::migrate(config.pg_url);
  logger.info("migrations done", {{"applied", n}});
  return 0;
}

int run_projections_status(const core::Config& config) {
  projections::migrate(config.pg_url);
  pqxx::connection conn(config.pg_url);
  auto status = projections::read_status(conn);
  if (config.kafka_brokers.empty() || config.kafka_brokers == "embedded") {
    std::cout << "(log ends unknown: REGENT_KAFKA_BROKERS names no reachable cluster; `regent dev` exports "
                 "them on its /metrics)\n";
  } else {
    try {
      events::check_topic(config.kafka_brokers, config.kafka_topic, events::topic_requirements(config), 10000);
    } catch (const std::exception& ex) {
      std::cout << "TOPIC SETTINGS: " << ex.what() << "\n";
    }
    events::LogReader reader(config.kafka_brokers, config.kafka_topic);
    std::map<int32_t, int64_t> ends;
    for (auto& p : status.partitions) {
      if (!ends.count(p.partition)) {
        try {
          ends[p.partition] = reader.end_offset(p.partition, std::chrono::seconds(5));
        } catch (const std::exception&) {
          ends[p.partition] = -1;
        }
      }
      p.log_end = ends[p.partition];
    }
  }
  std::cout << projections::format_status(status);
  bool stalled = false;
  for (const auto& p : status.partitions) stalled = stalled || p.stalled_offset.has_value();
  return stalled ? 3 : 0;  // scripts can tell a stuck projection from a healthy one
}

int run_projections_rebuild(const core::Config& config, const std::string& name) {
  if (!needs_cluster(config)) return 2;
  auto projection = projection_named(name);
  if (!projection) {
    std::cerr << "regent: no projection named '" << name << "' (there are: " << projection_names() << ")\n";
    return 2;
  }
  projections::migrate(config.pg_url);
  int32_t partitions = topic_partitions(config);
  if (partitions <= 0) return 1;
  std::atomic<bool> stop{false};
  std::thread watch([&] {
    wait_for_stop_signal();
    stop = true;
  });
  projections::RebuildOptions options{{config.pg_url, config.kafka_brokers, config.kafka_topic, partitions, nullptr,
                                       open_master_key_file(config, false)},
                                      2000,
                                      [&](int64_t done, int64_t total) {
                                        std::cout << "rebuilding " << name << ": " << done << " of " << total
                                                  << " events" << std::endl;
                                      }};
  auto outcome = projections::RebuildOutcome::stopped;
  std::string failure;
  try {
    outcome = projections::rebuild(*projection, options, stop);
  } catch (const std::exception& ex) {
    failure = ex.what();
  }
  if (!stop) raise_stop_signal();
  watch.join();
  if (!failure.empty()) {
    std::cerr << "regent: rebuild of " << name << " failed: " << failure << std::endl;
    return 1;
  }
  switch (outcome) {
    case projections::RebuildOutcome::swapped:
      std::cout << "rebuilt " << name << " (version " << projection->version() << ") and swapped it in" << std::endl;
      return 0;
    case projections::RebuildOutcome::busy:
      std::cerr << "regent: a rebuild of " << name << " is already under way" << std::endl;
      return 1;
    case projections::RebuildOutcome::stopped:
      std::cerr << "regent: rebuild of " << name << " interrupted; the live model is untouched" << std::endl;
      return 1;
  }
  return 1;
}

int run_projections_skip(const core::Config& config, const std::string& name, int32_t partition, int64_t offset,
                         const std::string& reason) {
  if (!projection_named(name)) {
    std::cerr << "regent: no projection named '" << name << "' (there are: " << projection_names() << ")\n";
    return 2;
  }
  projections::migrate(config.pg_url);
  pqxx::connection conn(config.pg_url);
  auto parked = projections::park(conn, name, partition, offset, reason);
  if (!parked) {
    std::cerr << "regent: " << parked.error().detail << "\n";
    return 1;
  }
  logger.warn("event parked by an operator",
              {{"projection", name}, {"partition", partition}, {"offset", offset},
               {"event_id", parked->event_id}, {"event_type", parked->event_type}, {"reason", reason}});
  std::cout << "parked " << parked->event_type << " " << parked->event_id << " (" << name << " partition " << partition
            << " offset " << offset << "); the projection moves past it on its next retry" << std::endl;
  return 0;
}

}  // namespace regent::workers
