#include "events/producer.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/thread_name.hpp"

namespace regent::events {
namespace {
const core::Logger logger("events");

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  const char* error = msg->err ? rd_kafka_err2str(msg->err) : nullptr;
  InFlight::on_delivery(*static_cast<const InFlight::Slot*>(msg->_private), msg->offset, error);
}
}  // namespace

Producer::Producer(const std::string& brokers, std::string topic, int64_t timeout_ms)
    : topic_(std::move(topic)), timeout_ms_(timeout_ms) {
  auto conf = make_conf({{"bootstrap.servers", brokers},
                         {"enable.idempotence", "true"},
                         {"acks", "all"},
                         {"linger.ms", "1"},
                         {"socket.nagle.disable", "true"},
                         {"message.timeout.ms", std::to_string(timeout_ms)},
                         {"socket.timeout.ms", std::to_string(std::max<int64_t>(timeout_ms, 10))},
                         {"client.id", "regent-producer"}});
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  char err[512];
  rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!rk_) throw std::runtime_error(std::string("kafka producer: ") + err);
  conf.release();  // owned by rk_ now
  poller_ = core::named_thread("regent-acks", [this] { while (!stop_) rd_kafka_poll(rk_.get(), 50); });
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

bool InFlight::done() const {
  std::lock_guard lock(mu_);
  return remaining_ == 0;
}

void InFlight::wait() const {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return remaining_ == 0; });
}

const InFlight::Delivery& InFlight::delivery() const { return delivery_; }

void InFlight::on_delivery(const Slot& slot, int64_t offset, const char* error) {
  InFlight& b = *slot.batch;
  std::shared_ptr<InFlight> keep;
  {
    std::lock_guard lock(b.mu_);
    if (error) {
      if (b.delivery_.error.empty()) b.delivery_.error = error;
    } else {
      b.delivery_.offsets[slot.index] = offset;
    }
    if (--b.remaining_ != 0) return;
    keep = std::move(b.self_);
  }
  if (!b.delivery_.error.empty()) {
    logger.warn("append failed", {{"error", b.delivery_.error}});
    core::Metrics::global().counter_add("regent_kafka_append_failures_total", {});
  }
  if (b.on_done_) b.on_done_(b.delivery_);
  b.cv_.notify_all();
}

Producer::Delivery Producer::append(int32_t partition, const std::vector<Record>& records) {
  auto batch = send(partition, records);
  batch->wait();
  return batch->delivery();
}

template <class R>
std::shared_ptr<InFlight> Producer::send_records(int32_t partition, const std::vector<R>& records,
                                                 std::function<void(const Delivery&)> on_done) {
  auto batch = std::make_shared<InFlight>();
  batch->delivery_.offsets.assign(records.size(), -1);
  batch->slots_.resize(records.size());
  batch->on_done_ = std::move(on_done);
  batch->remaining_ = records.size();
  batch->self_ = batch;
  size_t produced = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const R& r = records[i];
    batch->slots_[i] = {batch.get(), i};
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(r.headers.size());
    for (const auto& [k, v] : r.headers)
      rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                          static_cast<ssize_t>(v.size()));
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_TOPIC(topic_.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(const_cast<char*>(r.key.data()), r.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs),
        RD_KAFKA_V_OPAQUE(&batch->slots_[i]), RD_KAFKA_V_END);
    if (err) {
      rd_kafka_headers_destroy(hdrs);
      // The records never handed over get their (failed) reports here, in order.
      for (size_t j = i; j < records.size(); ++j) InFlight::on_delivery(batch->slots_[j], -1, rd_kafka_err2str(err));
      break;
    }
    ++produced;
  }
  if (produced < records.size())
    logger.warn("append refused by the client", {{"partition", partition},
                                                 {"produced", produced}});
  if (records.empty() && batch->on_done_) {
    batch->self_.reset();
    batch->on_done_(batch->delivery_);
  }
  return batch;
}

std::shared_ptr<InFlight> Producer::send(int32_t partition, const std::vector<Record>& records,
                                         std::function<void(const Delivery&)> on_done) {
  return send_records(partition, records, std::move(on_done));
}

std::shared_ptr<InFlight> Producer::send(int32_t partition, const std::vector<RecordView>& records,
                                         std::function<void(const Delivery&)> on_done) {
  return send_records(partition, records, std::move(on_done));
}

}  // namespace regent::events
