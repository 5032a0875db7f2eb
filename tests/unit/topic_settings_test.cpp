#include <doctest/doctest.h>

#include <map>

#include "events/topic_settings.hpp"

using namespace regent::events;

namespace {
// What Apache Kafka describes for a topic created with Regent's settings (defaults elided).
std::map<std::string, std::string> good() {
  return {{"retention.ms", "-1"},
          {"retention.bytes", "-1"},
          {"cleanup.policy", "delete"},
          {"min.insync.replicas", "2"},
          {"unclean.leader.election.enable", "false"},
          {"segment.bytes", "1073741824"},
          {"compression.type", "producer"}};
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("the topic is created to keep every event for ever") {
  auto c = topic_config_for({1, 0, false});
  std::map<std::string, std::string> m(c.begin(), c.end());
  CHECK(m == std::map<std::string, std::string>{{"retention.ms", "-1"},
                                                {"retention.bytes", "-1"},
                                                {"cleanup.policy", "delete"},
                                                {"unclean.leader.election.enable", "false"}});
  CHECK(c.size() == m.size());
}

TEST_CASE("with three replicas or more, an acknowledged append lives on two") {
  for (int replication : {3, 5}) {
    auto c = topic_config_for({replication, 0, false});
    std::map<std::string, std::string> m(c.begin(), c.end());
    CHECK(m.at("min.insync.replicas") == "2");
    CHECK(m.at("retention.ms") == "-1");
  }
  auto two = topic_config_for({2, 0, false});
  CHECK(std::map<std::string, std::string>(two.begin(), two.end()).count("min.insync.replicas") == 0);
  // An explicit minimum is what the topic is created with, whatever the replication factor.
  auto three = topic_config_for({5, 3, false});
  CHECK(std::map<std::string, std::string>(three.begin(), three.end()).at("min.insync.replicas") == "3");
  CHECK(TopicRequirements{1, 0, false}.required_min_insync() == 1);
  CHECK(TopicRequirements{3, 0, false}.required_min_insync() == 2);
  CHECK(TopicRequirements{3, 1, false}.required_min_insync() == 1);
}

TEST_CASE("a topic with Regent's settings is accepted") {
  auto v = judge_topic_config(good(), {3, 0, false});
  CHECK(v.ok());
  CHECK(v.accepted.empty());
  // What Regent's own creation asks for passes its own check.
  auto asked = topic_config_for({3, 0, false});
  CHECK(judge_topic_config({asked.begin(), asked.end()}, {3, 0, false}).ok());
}

TEST_CASE("each setting that loses events is refused, naming the setting and the fix") {
  struct Bad {
    const char* name;
    const char* value;
    const char* says;
  };
  for (const Bad& bad :
       {Bad{"retention.ms", "604800000", "7 days"}, Bad{"retention.ms", "3600000", "1 hour)"},
        Bad{"retention.ms", "0", "retention.ms=0"},
        Bad{"retention.bytes", "1073741824", "retention.bytes=1073741824"},
        Bad{"retention.ms", "soon", "retention.ms=soon"}, Bad{"cleanup.policy", "compact", "compacts"},
        Bad{"cleanup.policy", "compact,delete", "compacts"},
        Bad{"min.insync.replicas", "1", "min.insync.replicas=1"},
        Bad{"unclean.leader.election.enable", "true", "unclean.leader.election.enable=true"}}) {
    CAPTURE(bad.name);
    CAPTURE(bad.value);
    auto described = good();
    described[bad.name] = bad.value;
    auto v = judge_topic_config(described, {3, 0, false});
    REQUIRE(v.refusals.size() == 1);
    CHECK(mentions(v.refusals[0], bad.says));
    std::string m = v.message("regent.events");
    CHECK(mentions(m, "regent.events"));
    CHECK(mentions(m,
                   "kafka-configs.sh --alter --entity-type topics --entity-name regent.events --add-config"));
    CHECK(mentions(m, "Kafka settings Regent requires"));
    CHECK_FALSE(mentions(m, "<topic>"));
  }
}

TEST_CASE("settings the broker did not report are not taken on trust") {
  for (const char* missing : {"retention.ms", "retention.bytes", "cleanup.policy", "min.insync.replicas"}) {
    CAPTURE(missing);
    auto described = good();
    described.erase(missing);
    auto v = judge_topic_config(described, {3, 0, false});
    REQUIRE(v.refusals.size() == 1);
    CHECK(mentions(v.refusals[0], missing));
  }
  // min.insync.replicas matters only where more than one replica is required.
  auto described = good();
  described.erase("min.insync.replicas");
  CHECK(judge_topic_config(described, {1, 0, false}).ok());
}

TEST_CASE("several bad settings are all named at once") {
  auto described = good();
  described["retention.ms"] = "604800000";
  described["cleanup.policy"] = "compact";
  described["min.insync.replicas"] = "1";
  auto v = judge_topic_config(described, {3, 0, false});
  CHECK(v.refusals.size() == 3);
  auto m = v.message("t");
  CHECK(mentions(m, "retention.ms"));
  CHECK(mentions(m, "cleanup.policy"));
  CHECK(mentions(m, "min.insync.replicas"));
}

TEST_CASE("the archive override accepts lost history, never too few replicas") {
  auto described = good();
  described["retention.ms"] = "604800000";
  described["cleanup.policy"] = "compact";
  auto v = judge_topic_config(described, {3, 0, true});
  CHECK(v.ok());
  CHECK(v.accepted.size() == 2);
  described["min.insync.replicas"] = "1";
  auto w = judge_topic_config(described, {3, 0, true});
  REQUIRE(w.refusals.size() == 1);
  CHECK(mentions(w.refusals[0], "REGENT_KAFKA_MIN_INSYNC_REPLICAS"));
  // A lower configured minimum is the operator's way to accept fewer replicas.
  CHECK(judge_topic_config(described, {3, 1, true}).ok());
  // And a higher one is enforced.
  auto strict = good();
  CHECK_FALSE(judge_topic_config(strict, {5, 3, false}).ok());
}
