#include "events/mock_cluster.hpp"

#include <stdexcept>

namespace regent::events {

MockCluster::MockCluster(int brokers) : brokers_(brokers) {
  auto conf = make_conf({{"client.id", "regent-mock-host"}});
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

void ensure_topic(const std::string& brokers, const std::string& topic, int partitions,
                  int replication, int timeout_ms) {
  auto conf = make_conf({{"bootstrap.servers", brokers}, {"client.id", "regent-admin"}});
  char err[512];
  KafkaHandle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!rk) throw std::runtime_error(std::string("kafka admin: ") + err);
  conf.release();
  using NewTopic = Holder<rd_kafka_NewTopic_t, &rd_kafka_NewTopic_destroy>;
  NewTopic nt(rd_kafka_NewTopic_new(topic.c_str(), partitions, replication, err, sizeof err));
  if (!nt) throw std::runtime_error(std::string("kafka admin: ") + err);
  Holder<rd_kafka_queue_t, &rd_kafka_queue_destroy> queue(rd_kafka_queue_new(rk.get()));
  rd_kafka_NewTopic_t* topics[] = {nt.get()};
  rd_kafka_CreateTopics(rk.get(), topics, 1, nullptr, queue.get());
  Holder<rd_kafka_event_t, &rd_kafka_event_destroy> ev(rd_kafka_queue_poll(queue.get(), timeout_ms));
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
}

}  // namespace regent::events
