#include "events/mock_cluster.hpp"

#include <stdexcept>

namespace regent::events {

MockCluster::MockCluster(int brokers) : brokers_(brokers) {
  // The host handle talks to no broker: its warning that none is configured says nothing (librdkafka
  // logs it at notice level, 5).
  auto conf = make_conf({{"client.id", "regent-mock-host"}, {"log_level", "4"}});
  char err[512];
  host_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!host_) throw std::runtime_error(std::string("mock cluster host: ") + err);
  conf.release();
  cluster_ = rd_kafka_mock_cluster_new(host_.get(), brokers);
  if (!cluster_) throw std::runtime_error("could not start the mock cluster");
}

MockCluster::~MockCluster() {
  if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
}

std::string MockCluster::bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

void MockCluster::set_down(bool down) {
  // Broker ids run from 1; the count is what the cluster was created with.
  for (int32_t id = 1; id <= brokers_; ++id) {
    if (down) rd_kafka_mock_broker_set_down(cluster_, id);
    else rd_kafka_mock_broker_set_up(cluster_, id);
  }
}

void MockCluster::create_topic(const std::string& topic, int partitions, int replication) {
  if (auto err = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, replication))
    throw std::runtime_error(std::string("mock topic: ") + rd_kafka_err2str(err));
}

}  // namespace regent::events
