#include <doctest/doctest.h>

#include <cstdlib>

#include "core/config.hpp"

using namespace regent::core;

TEST_CASE("dev defaults to the embedded broker and open sign-up, serve to neither") {
  auto dev = parse_config(Role::dev, {});
  REQUIRE(dev.ok());
  CHECK(dev->config.kafka_brokers == "embedded");
  CHECK(dev->config.open_signup);
  auto serve = parse_config(Role::serve, {});
  CHECK(serve->config.kafka_brokers.empty());
  CHECK_FALSE(serve->config.open_signup);
}

TEST_CASE("flags override the environment, in both spellings") {
  setenv("REGENT_HTTP_PORT", "9000", 1);
  CHECK(parse_config(Role::serve, {})->config.http_port == 9000);
  CHECK(parse_config(Role::serve, {"--http-port=9100"})->config.http_port == 9100);
  CHECK(parse_config(Role::serve, {"--http-port", "9200"})->config.http_port == 9200);
  unsetenv("REGENT_HTTP_PORT");
  CHECK(parse_config(Role::serve, {"--consistency-timeout", "250ms"})->config.consistency_timeout_ms == 250);
  CHECK(parse_config(Role::serve, {"--help"})->help);
}

TEST_CASE("bad values and unknown flags are refused with the flag's name") {
  auto r = parse_config(Role::serve, {"--http-port=eighty"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().detail.find("--http-port") != std::string::npos);
  CHECK_FALSE(parse_config(Role::serve, {"--http-port=70000"}).ok());
  CHECK_FALSE(parse_config(Role::serve, {"--colour=red"}).ok());
  CHECK_FALSE(parse_config(Role::serve, {"--http-port"}).ok());
  CHECK_FALSE(parse_config(Role::serve, {"--open-signup=maybe"}).ok());
  setenv("REGENT_PG_POOL_SIZE", "0", 1);
  auto env = parse_config(Role::serve, {});
  unsetenv("REGENT_PG_POOL_SIZE");
  REQUIRE_FALSE(env.ok());
  CHECK(env.error().detail.find("REGENT_PG_POOL_SIZE") != std::string::npos);
}

TEST_CASE("durations") {
  CHECK(parse_duration_ms("5s").value() == 5000);
  CHECK(parse_duration_ms("2m").value() == 120000);
  CHECK(parse_duration_ms("1h").value() == 3600000);
  CHECK(parse_duration_ms("15ms").value() == 15);
  CHECK_FALSE(parse_duration_ms("5").ok());
  CHECK_FALSE(parse_duration_ms("s").ok());
  CHECK_FALSE(parse_duration_ms("-1s").ok());
}

TEST_CASE("help lists every variable of DESIGN.md with its flag") {
  std::string help = config_help(Role::dev);
  for (const char* v : {"REGENT_HTTP_ADDR", "REGENT_HTTP_PORT", "REGENT_DATA_DIR", "REGENT_KAFKA_BROKERS",
                        "REGENT_PG_URL", "REGENT_BOOTSTRAP_EMAIL", "REGENT_BOOTSTRAP_PASSWORD",
                        "REGENT_OPEN_SIGNUP", "REGENT_LOG_LEVEL", "REGENT_LOG_FORMAT", "REGENT_CONSISTENCY_TIMEOUT"}) {
    CAPTURE(v);
    CHECK(help.find(v) != std::string::npos);
  }
  CHECK(help.find("--bootstrap-password") != std::string::npos);
}

TEST_CASE("the event topic's requirements and the embedded log's memory are settings too") {
  auto d = parse_config(Role::serve, {});
  REQUIRE(d.ok());
  CHECK(d->config.kafka_min_insync == 0);  // derived from the replication factor
  CHECK_FALSE(d->config.kafka_history_archived);
  CHECK(d->config.embedded_log_memory == 4 << 20);
  CHECK(d->config.snapshot_every == 1000);
  auto set = parse_config(Role::serve, {"--kafka-min-insync-replicas=2", "--kafka-history-archived=1",
                                        "--embedded-log-memory=65536"});
  REQUIRE(set.ok());
  CHECK(set->config.kafka_min_insync == 2);
  CHECK(set->config.kafka_history_archived);
  CHECK(set->config.embedded_log_memory == 65536);
  CHECK_FALSE(parse_config(Role::serve, {"--kafka-min-insync-replicas=17"}).ok());
  CHECK_FALSE(parse_config(Role::serve, {"--kafka-history-archived=perhaps"}).ok());
  CHECK_FALSE(parse_config(Role::serve, {"--embedded-log-memory=10"}).ok());
  std::string help = config_help(Role::serve);
  CHECK(help.find("REGENT_KAFKA_HISTORY_ARCHIVED") != std::string::npos);
  CHECK(help.find("REGENT_KAFKA_MIN_INSYNC_REPLICAS") != std::string::npos);
}
