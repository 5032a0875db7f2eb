#include "events/producer.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include "core/log.hpp"
#include "core/metrics.hpp"

namespace regent::events {
namespace {
const core::Logger logger("events");

struct Batch {
  std::mutex mu;
  std::condition_variable cv;
  size_t remaining = 0;
  std::vector<int64_t> offsets;
  std::string error;
};

struct Slot {
  Batch* batch;
  size_t index;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  auto* slot = static_cast<Slot*>(msg->_private);
  Batch& b = *slot->batch;
  std::lock_guard lock(b.mu);
  if (msg->err) {
    if (b.error.empty()) b.error = rd_kafka_err2str(msg->err);
  } else {
    b.offsets[slot->index] = msg->offset;
  }
  if (--b.remaining == 0) b.cv.notify_all();
}
}  // namespace

Producer::Producer(const std::string& brokers, std::string topic, int64_t timeout_ms)
    : topic_(std::move(topic)), timeout_ms_(timeout_ms) {
  auto conf = make_conf({{"bootstrap.servers", brokers},
                         {"enable.idempotence", "true"},
                         {"acks", "all"},
                         {"linger.ms", "1"},
                         {"message.timeout.ms", std::to_string(timeout_ms)},
                         {"socket.timeout.ms", std::to_string(std::max<int64_t>(timeout_ms, 10))},
                         {"client.id", "regent-producer"}});
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  char err[512];
  rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!rk_) throw std::runtime_error(std::string("kafka producer: ") + err);
  conf.release();  // owned by rk_ now
  poller_ = std::thread([this] {
    while (!stop_) rd_kafka_poll(rk_.get(), 50);
  });
}

Producer::~Producer() {
  flush(static_cast<int>(timeout_ms_));
  stop_ = true;
  if (poller_.joinable()) poller_.join();
}

void Producer::flush(int timeout_ms) { rd_kafka_flush(rk_.get(), timeout_ms); }

bool Producer::reachable(int timeout_ms) {
  Holder<rd_kafka_topic_t, &rd_kafka_topic_destroy> topic(rd_kafka_topic_new(rk_.get(), topic_.c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk_.get(), 0, topic.get(), &md, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
  bool ok = md->topic_cnt == 1 && !md->topics[0].err && md->topics[0].partition_cnt > 0;
  rd_kafka_metadata_destroy(md);
  return ok;
}

Producer::Delivery Producer::append(int32_t partition,
                                                    const std::vector<Record>& records) {
  Batch batch;
  batch.remaining = records.size();
  batch.offsets.assign(records.size(), -1);
  std::vector<Slot> slots(records.size());
  size_t produced = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    slots[i] = {&batch, i};
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(r.headers.size());
    for (const auto& [k, v] : r.headers)
      rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                          static_cast<ssize_t>(v.size()));
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_TOPIC(topic_.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(const_cast<char*>(r.key.data()), r.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs),
        RD_KAFKA_V_OPAQUE(&slots[i]), RD_KAFKA_V_END);
    if (err) {
      rd_kafka_headers_destroy(hdrs);
      std::lock_guard lock(batch.mu);
      batch.error = rd_kafka_err2str(err);
      batch.remaining -= records.size() - i;
      break;
    }
    ++produced;
  }
  std::unique_lock lock(batch.mu);
  // The delivery report always arrives (message.timeout.ms bounds it); the batch lives on this
  // stack until then, so we must not leave early.
  batch.cv.wait(lock, [&] { return batch.remaining == 0; });
  if (!batch.error.empty()) {
    logger.warn("append failed", {{"partition", std::to_string(partition)},
                                  {"produced", std::to_string(produced)},
                                  {"error", batch.error}});
    core::Metrics::global().counter_add("regent_kafka_append_failures_total", {});
  }
  return Delivery{std::move(batch.offsets), std::move(batch.error)};
}

}  // namespace regent::events
