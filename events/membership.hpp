#pragma once
// Membership of a consumer group that shares the partitions of the event topic out: the writers'
// (DESIGN.md decision 2: which `serve` instance owns which partition) and the projection workers'
// (decision 3). The group's consumer reads nothing (its partitions are paused); it only hears
// assignments and revocations and passes them on.
//
// Being assigned a partition does not make an instance its writer: the log does, through the
// owner.claimed marker the instance appends next. Revocation comes late when an instance is paused
// or cut off, and that is why the fence lives in the log and not here.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "events/kafka_handles.hpp"

namespace regent::events {

struct MembershipOptions {
  std::string brokers;
  std::string topic;
  std::string group;  // the same for every instance that writes to `topic`
  std::string instance_id;
  std::chrono::milliseconds session_timeout{6000};
};

class Membership {
 public:
  using Partitions = std::vector<int32_t>;
  // Both run on the membership's thread, one at a time. `on_revoked` returns once the instance no
  // longer writes to those partitions; the group waits for it before it hands them to another.
  Membership(MembershipOptions options, std::function<void(const Partitions&)> on_assigned,
             std::function<void(const Partitions&)> on_revoked);
  ~Membership();

  void start();
  // Leaves the group (revoking everything first), so that others take over without waiting for a
  // session to time out.
  void stop();
  // True once the group has answered this instance at least once (an assignment, even empty).
  bool joined() const { return joined_; }

 private:
  void run();
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts);
  static void rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque);

  MembershipOptions options_;
  std::function<void(const Partitions&)> on_assigned_;
  std::function<void(const Partitions&)> on_revoked_;
  KafkaHandle rk_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> joined_{false};
};

}  // namespace regent::events
