// What analysts see: the topic read with a plain librdkafka consumer holds only valid CloudEvents.
#include <librdkafka/rdkafka.h>

#include <map>

#include "events/schemas.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;

TEST_CASE("every message on regent.events is a schema-valid CloudEvent with its ce_ headers") {
  DevServer dev;
  int port = dev.port();
  signup(port, "topic", "ada@topic.test");
  std::string token = login(port, "topic", "ada@topic.test");
  REQUIRE(post(port, "/v1/users", user_body("bob@topic.test"), token).status == 201);

  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", dev.proc->kafka().c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "topic-test", err, sizeof err);
  rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  REQUIRE(rk != nullptr);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, "regent.events", RD_KAFKA_PARTITION_UA);
  REQUIRE(rd_kafka_subscribe(rk, topics) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(topics);

  std::map<std::string, int> types;
  int eofs = 0, messages = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (eofs < DevServer::kPartitions && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ++eofs;
    } else if (!m->err) {
      ++messages;
      std::string value(static_cast<const char*>(m->payload), m->len);
      auto errors = regent::events::validate_event_json(value);
      CHECK_MESSAGE(errors.empty(), value);
      auto doc = regent::core::JsonDocument::parse(value);
      REQUIRE(doc);
      std::string type(regent::core::get_string(doc->root(), "type").value_or(""));
      ++types[type];
      rd_kafka_headers_t* hdrs = nullptr;
      REQUIRE(rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR);
      const void* v;
      size_t n;
      REQUIRE(rd_kafka_header_get_last(hdrs, "ce_type", &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR);
      CHECK(std::string(static_cast<const char*>(v), n) == type);
      REQUIRE(rd_kafka_header_get_last(hdrs, "ce_id", &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR);
      CHECK(std::string(static_cast<const char*>(v), n) == regent::core::get_string(doc->root(), "id").value());
      if (type != "owner.claimed") {
        std::string tenant(regent::core::get_string(doc->root(), "tenantid").value());
        CHECK(std::string(static_cast<const char*>(m->key), m->key_len) == tenant);
        REQUIRE(rd_kafka_header_get_last(hdrs, "ce_tenantid", &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR);
        CHECK(std::string(static_cast<const char*>(v), n) == tenant);
        // Secrets never travel in clear: only the argon2id hash of a password is in the log.
        CHECK(value.find(kPassword) == std::string::npos);
      }
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  CHECK(eofs == DevServer::kPartitions);
  CHECK(types["owner.claimed"] == DevServer::kPartitions);
  CHECK(types["tenant.created"] == 2);  // system and topic
  CHECK(types["user.created"] == 3);    // super_admin, ada, bob
  CHECK(types["user.logged_in"] == 1);
  CHECK(messages == 9);
}
