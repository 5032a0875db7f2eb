#include "events/topic_settings.hpp"

#include <atomic>
#include <charconv>
#include <optional>
#include <stdexcept>

#include "core/log.hpp"
#include "events/kafka_handles.hpp"

namespace regent::events {
namespace {
const core::Logger logger("events");

using AdminOptions = Holder<rd_kafka_AdminOptions_t, &rd_kafka_AdminOptions_destroy>;
using Queue = Holder<rd_kafka_queue_t, &rd_kafka_queue_destroy>;
using Event = Holder<rd_kafka_event_t, &rd_kafka_event_destroy>;
using ConfigResource = Holder<rd_kafka_ConfigResource_t, &rd_kafka_ConfigResource_destroy>;
using NewTopic = Holder<rd_kafka_NewTopic_t, &rd_kafka_NewTopic_destroy>;

std::optional<int64_t> as_int(const std::string& v) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || p != v.data() + v.size()) return std::nullopt;
  return n;
}

std::string alter(const std::string& setting) {
  return "kafka-configs.sh --alter --entity-type topics --entity-name <topic> --add-config " + setting;
}

std::string readable_ms(int64_t ms) {
  auto unit = [](int64_t n, const char* one) { return std::to_string(n) + " " + one + (n == 1 ? "" : "s"); };
  if (ms > 0 && ms % 86'400'000 == 0) return unit(ms / 86'400'000, "day");
  if (ms > 0 && ms % 3'600'000 == 0) return unit(ms / 3'600'000, "hour");
  return std::to_string(ms) + " ms";
}

KafkaHandle admin_client(const std::string& brokers) {
  auto conf = make_conf({{"bootstrap.servers", brokers}, {"client.id", "regent-admin"}});
  char err[512];
  KafkaHandle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!rk) throw std::runtime_error(std::string("kafka admin: ") + err);
  conf.release();
  return rk;
}

AdminOptions options_for(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms) {
  AdminOptions o(rd_kafka_AdminOptions_new(rk, op));
  char err[256];
  rd_kafka_AdminOptions_set_request_timeout(o.get(), timeout_ms, err, sizeof err);
  return o;
}

// Describes one resource; the event is the answer, or null at the timeout.
Event describe(rd_kafka_t* rk, rd_kafka_ResourceType_t type, const std::string& name, int timeout_ms) {
  ConfigResource res(rd_kafka_ConfigResource_new(type, name.c_str()));
  Queue queue(rd_kafka_queue_new(rk));
  auto options = options_for(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_ms);
  rd_kafka_ConfigResource_t* resources[] = {res.get()};
  rd_kafka_DescribeConfigs(rk, resources, 1, options.get(), queue.get());
  return Event(rd_kafka_queue_poll(queue.get(), timeout_ms + 1000));
}

// The id of a broker of the cluster, from its metadata.
int32_t some_broker(rd_kafka_t* rk, int timeout_ms) {
  const rd_kafka_metadata_t* md = nullptr;
  if (auto err = rd_kafka_metadata(rk, 0, nullptr, &md, timeout_ms))
    throw std::runtime_error(std::string("kafka metadata: ") + rd_kafka_err2str(err));
  int32_t id = md->broker_cnt > 0 ? md->brokers[0].id : -1;
  rd_kafka_metadata_destroy(md);
  if (id < 0) throw std::runtime_error("kafka metadata: no broker");
  return id;
}
}  // namespace

TopicRequirements topic_requirements(const core::Config& config) {
  return {config.kafka_replication, config.kafka_min_insync, config.kafka_history_archived};
}

int TopicRequirements::required_min_insync() const {
  if (min_insync > 0) return min_insync;
  return replication >= 3 ? 2 : 1;
}

TopicConfig topic_config_for(const TopicRequirements& requirements) {
  TopicConfig c = {{"retention.ms", "-1"},
                   {"retention.bytes", "-1"},
                   {"cleanup.policy", "delete"},
                   {"unclean.leader.election.enable", "false"}};
  if (requirements.replication >= 3 || requirements.min_insync > 1)
    c.emplace_back("min.insync.replicas", std::to_string(requirements.required_min_insync()));
  return c;
}

TopicVerdict judge_topic_config(const std::map<std::string, std::string>& described,
                                const TopicRequirements& requirements) {
  TopicVerdict v;
  // What loses history can be accepted when an operator says the history is archived elsewhere.
  auto history = [&](std::string problem) {
    (requirements.history_archived ? v.accepted : v.refusals).push_back(std::move(problem));
  };
  auto value = [&](const char* name) -> const std::string* {
    auto it = described.find(name);
    return it == described.end() ? nullptr : &it->second;
  };
  for (const char* name : {"retention.ms", "retention.bytes"}) {
    const std::string* s = value(name);
    auto n = s ? as_int(*s) : std::nullopt;
    if (!s) {
      history(std::string(name) +
              " was not reported by the broker, so the log's retention cannot be confirmed; set " + name +
              "=-1 (" + alter(std::string(name) + "=-1") + ")");
    } else if (!n || *n >= 0) {
      std::string what = std::string(name) == "retention.ms" && n ? " (" + readable_ms(*n) + ")" : "";
      history(std::string(name) + "=" + *s + what + " deletes the log's oldest events; set " + name +
              "=-1 (" + alter(std::string(name) + "=-1") + ")");
    }
  }
  if (const std::string* s = value("cleanup.policy"); !s) {
    history("cleanup.policy was not reported by the broker; set cleanup.policy=delete (" +
            alter("cleanup.policy=delete") + ")");
  } else if (s->find("compact") != std::string::npos) {
    history("cleanup.policy=" + *s +
            " compacts the log, keeping only each tenant's newest event; set cleanup.policy=delete (" +
            alter("cleanup.policy=delete") + ")");
  }
  int required = requirements.required_min_insync();
  const std::string* isr = value("min.insync.replicas");
  auto isr_n = isr ? as_int(*isr) : std::nullopt;
  if (required > 1 && (!isr_n || *isr_n < required))
    v.refusals.push_back("min.insync.replicas=" + (isr ? *isr : std::string("(not reported)")) +
                         " lets an acknowledged append live on fewer than " + std::to_string(required) +
                         " replicas; set min.insync.replicas=" + std::to_string(required) + " (" +
                         alter("min.insync.replicas=" + std::to_string(required)) +
                         "), or lower REGENT_KAFKA_MIN_INSYNC_REPLICAS");
  if (const std::string* s = value("unclean.leader.election.enable"); s && *s == "true")
    v.refusals.push_back(
        "unclean.leader.election.enable=true can elect a replica that lacks acknowledged events; "
        "set unclean.leader.election.enable=false (" +
        alter("unclean.leader.election.enable=false") + ")");
  return v;
}

std::string TopicVerdict::message(const std::string& topic) const {
  std::string m = "the Kafka topic " + topic + " cannot hold Regent's log: ";
  for (size_t i = 0; i < refusals.size(); ++i) m += (i ? "; " : "") + refusals[i];
  m +=
      ". Regent needs every event from offset zero (docs/operations.md, \"Kafka settings Regent requires\"); "
      "if the history is archived elsewhere, REGENT_KAFKA_HISTORY_ARCHIVED=1 accepts finite retention and "
      "compaction";
  for (auto pos = m.find("<topic>"); pos != std::string::npos; pos = m.find("<topic>", pos))
    m.replace(pos, 7, topic);
  return m;
}

void ensure_topic(const std::string& brokers, const std::string& topic, int partitions,
                  const TopicRequirements& requirements, int timeout_ms) {
  KafkaHandle rk = admin_client(brokers);
  char err[512];
  NewTopic nt(rd_kafka_NewTopic_new(topic.c_str(), partitions, requirements.replication, err, sizeof err));
  if (!nt) throw std::runtime_error(std::string("kafka admin: ") + err);
  for (const auto& [k, v] : topic_config_for(requirements))
    if (auto e = rd_kafka_NewTopic_set_config(nt.get(), k.c_str(), v.c_str()))
      throw std::runtime_error("kafka admin: " + k + ": " + rd_kafka_err2str(e));
  Queue queue(rd_kafka_queue_new(rk.get()));
  auto options = options_for(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms);
  rd_kafka_NewTopic_t* topics[] = {nt.get()};
  rd_kafka_CreateTopics(rk.get(), topics, 1, options.get(), queue.get());
  Event ev(rd_kafka_queue_poll(queue.get(), timeout_ms + 1000));
  if (!ev) throw std::runtime_error("kafka admin: CreateTopics timed out");
  if (rd_kafka_event_error(ev.get()))
    throw std::runtime_error(std::string("kafka admin: ") + rd_kafka_event_error_string(ev.get()));
  const auto* res = rd_kafka_event_CreateTopics_result(ev.get());
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
  for (size_t i = 0; i < n; ++i) {
    auto e = rd_kafka_topic_result_error(results[i]);
    if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      throw std::runtime_error(std::string("kafka admin: ") + rd_kafka_err2str(e));
  }
  logger.info("event topic created", {{"topic", topic},
                                      {"partitions", partitions},
                                      {"replication", requirements.replication}});
}

void check_topic(const std::string& brokers, const std::string& topic, const TopicRequirements& requirements,
                 int timeout_ms) {
  KafkaHandle rk = admin_client(brokers);
  // A topic's configuration is described by the controller; describing a broker's goes to that
  // broker, which answers at once whether it can describe configurations at all (the mock cluster
  // cannot, and names no controller, so asking it for the topic would only time out).
  Event probe = describe(rk.get(), RD_KAFKA_RESOURCE_BROKER,
                         std::to_string(some_broker(rk.get(), timeout_ms)), timeout_ms);
  if (probe && rd_kafka_event_error(probe.get()) == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE) {
    static std::atomic<bool> said{false};
    if (!said.exchange(true))
      logger.warn(
          "the Kafka brokers cannot describe topic configurations (librdkafka's mock cluster cannot): the "
          "topic's retention is not checked",
          {{"topic", topic}, {"broker", rd_kafka_event_error_string(probe.get())}});
    return;
  }
  Event ev = describe(rk.get(), RD_KAFKA_RESOURCE_TOPIC, topic, timeout_ms);
  if (!ev) throw std::runtime_error("kafka admin: describing the configuration of " + topic + " timed out");
  if (rd_kafka_event_error(ev.get()))
    throw std::runtime_error("kafka admin: describing the configuration of " + topic + ": " +
                             rd_kafka_event_error_string(ev.get()));
  const auto* result = rd_kafka_event_DescribeConfigs_result(ev.get());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(result, &n);
  std::map<std::string, std::string> described;
  for (size_t i = 0; i < n; ++i) {
    if (auto e = rd_kafka_ConfigResource_error(resources[i]))
      throw std::runtime_error("kafka admin: describing the configuration of " + topic + ": " +
                               rd_kafka_err2str(e));
    size_t count = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[i], &count);
    for (size_t j = 0; j < count; ++j) {
      const char* value = rd_kafka_ConfigEntry_value(entries[j]);
      described[rd_kafka_ConfigEntry_name(entries[j])] = value ? value : "";
    }
  }
  auto verdict = judge_topic_config(described, requirements);
  if (!verdict.ok()) throw std::runtime_error(verdict.message(topic));
  for (const auto& a : verdict.accepted)
    logger.warn("the topic's history is not kept whole; accepted because REGENT_KAFKA_HISTORY_ARCHIVED=1",
                {{"topic", topic}, {"setting", a}});
}

}  // namespace regent::events
