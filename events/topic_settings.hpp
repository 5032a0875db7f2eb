#pragma once
// The event topic's settings that Regent depends on. The log is the only source of truth, so it
// must never expire: a topic that deletes or compacts its beginning can no longer rebuild the
// command state, a projection, or anything else derived from offset zero. Regent creates the topic
// with these settings and, at every start of every role, refuses a topic that lacks them.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/config.hpp"

namespace regent::events {

// What a role demands of the topic, from its configuration.
struct TopicRequirements {
  int replication = 1;  // the replication factor Regent creates the topic with
  int min_insync = 0;   // the least min.insync.replicas accepted; 0: 2 when replication >= 3, else 1
  bool history_archived =
      false;  // an operator says the history is kept elsewhere: finite retention is accepted
  int required_min_insync() const;
};
TopicRequirements topic_requirements(const core::Config& config);

using TopicConfig = std::vector<std::pair<std::string, std::string>>;

// The configuration Regent creates the topic with.
TopicConfig topic_config_for(const TopicRequirements& requirements);

// The start-up check's verdict on a topic's described configuration (name -> value).
struct TopicVerdict {
  std::vector<std::string> refusals;  // each names the setting, its value and the fix
  std::vector<std::string> accepted;  // what is wrong but was let through by the archive override
  bool ok() const { return refusals.empty(); }
  // One message for the operator: every refusal, then where the settings are documented.
  std::string message(const std::string& topic) const;
};
TopicVerdict judge_topic_config(const std::map<std::string, std::string>& described,
                                const TopicRequirements& requirements);

// Creates `topic` on a real cluster through the Admin API with `topic_config_for`; an existing
// topic is fine (its settings are then judged by check_topic).
void ensure_topic(const std::string& brokers, const std::string& topic, int partitions,
                  const TopicRequirements& requirements, int timeout_ms);

// Describes the topic (DescribeConfigs) and throws std::runtime_error with the verdict's message
// when it is refused. A broker that cannot describe configurations (librdkafka's mock cluster) is
// said once in the log, and the check passes.
void check_topic(const std::string& brokers, const std::string& topic, const TopicRequirements& requirements,
                 int timeout_ms);

}  // namespace regent::events
