#pragma once
// RAII holders for librdkafka handles, and the record types Regent moves through Kafka.
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace regent::events {

template <class T, void (*Destroy)(T*)>
struct HandleDeleter {
  void operator()(T* p) const {
    if (p) Destroy(p);
  }
};
template <class T, void (*Destroy)(T*)>
using Holder = std::unique_ptr<T, HandleDeleter<T, Destroy>>;

using KafkaHandle = Holder<rd_kafka_t, &rd_kafka_destroy>;
using ConfHandle = Holder<rd_kafka_conf_t, &rd_kafka_conf_destroy>;
using PartitionListHandle =
    Holder<rd_kafka_topic_partition_list_t, &rd_kafka_topic_partition_list_destroy>;

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Record {
  std::string key;
  std::string value;
  Headers headers;
};

// A record whose bytes live elsewhere (the write-ahead file's read buffer, while it is replayed).
struct RecordView {
  std::string_view key;
  std::string_view value;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
};

struct Message {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
};

// Builds a configuration from key/value pairs; throws std::runtime_error naming the bad key.
ConfHandle make_conf(const std::vector<std::pair<std::string, std::string>>& settings);

}  // namespace regent::events
