#pragma once
// librdkafka's mock cluster hosted in this process: the real Kafka wire protocol on loopback,
// kept in memory. `regent dev` and the tests use it in place of a broker.
#include <librdkafka/rdkafka.h>
// rdkafka_mock.h needs rdkafka.h first.
#include <librdkafka/rdkafka_mock.h>

#include <string>

#include "events/kafka_handles.hpp"

namespace regent::events {

class MockCluster {
 public:
  explicit MockCluster(int brokers = 1);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  std::string bootstraps() const;
  void create_topic(const std::string& topic, int partitions, int replication);
  rd_kafka_mock_cluster_t* get() { return cluster_; }

  // Faults, for tests: every broker down (connections refused) or back up.
  void set_down(bool down);

 private:
  KafkaHandle host_;  // the mock cluster lives on this handle's threads
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  int brokers_ = 1;
};

}  // namespace regent::events
