#include "events/log_reader.hpp"

#include <algorithm>
#include <stdexcept>

#include "events/history.hpp"

namespace regent::events {

LogTruncated::LogTruncated(const std::string& topic, int32_t partition, int64_t wanted, int64_t earliest)
    : std::runtime_error("partition " + std::to_string(partition) + " of " + topic + " no longer holds offset " +
                         std::to_string(wanted) + ": its oldest offset is " + std::to_string(earliest) +
                         ", so the log's beginning was deleted (retention, compaction, or the mock cluster's 5 MB per "
                         "partition). Regent needs every event from offset zero: see \"Kafka settings Regent requires\" "
                         "in docs/operations.md"),
      partition(partition),
      wanted(wanted),
      earliest(earliest) {}

LogTruncated::LogTruncated(const std::string& context, const LogTruncated& cause)
    : std::runtime_error(context + ": " + cause.what()),
      partition(cause.partition),
      wanted(cause.wanted),
      earliest(cause.earliest) {}

LogReader::LogReader(const std::string& brokers, std::string topic, const History* history)
    : topic_(std::move(topic)), history_(history) {
  auto conf = make_conf({{"bootstrap.servers", brokers},
                         {"group.id", "regent-reader"},
                         {"enable.auto.commit", "false"},
                         {"enable.auto.offset.store", "false"},
                         // Never jump silently: an offset the broker no longer has is an error.
                         {"auto.offset.reset", "error"},
                         {"fetch.wait.max.ms", "10"},
                         {"socket.nagle.disable", "true"},
                         {"fetch.error.backoff.ms", "50"},
                         {"enable.partition.eof", "false"},
                         {"client.id", "regent-reader"}});
  char err[512];
  rk_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err));
  if (!rk_) throw std::runtime_error(std::string("kafka consumer: ") + err);
  conf.release();
  rd_kafka_poll_set_consumer(rk_.get());
}

void LogReader::assign(const std::map<int32_t, int64_t>& next_offsets) {
  position_ = next_offsets;
  from_history_.clear();
  if (history_) {
    bool whole = whole_history();
    // Past the end of the log is the broker's to refuse (out of range), as with any other log.
    for (const auto& [p, off] : next_offsets)
      if (whole ? off <= history_->size(p) : off < history_->size(p)) from_history_.insert(p);
  }
  assign_consumer();
}

bool LogReader::whole_history() const { return history_ && !history_->broken(); }

bool LogReader::following_history() const {
  return whole_history() && !position_.empty() && from_history_.size() == position_.size();
}

// The consumer is given every partition of the reader, and reads those the history does not
// serve; the others are paused. A change of positions over the same partitions is a seek, never a
// new assignment: librdkafka 2.0 can abort when an assignment removes a partition whose previous
// removal is still in progress (confluentinc/librdkafka#5573), which quick re-assignments do.
void LogReader::assign_consumer() {
  auto n = static_cast<int>(position_.size());
  PartitionListHandle all(rd_kafka_topic_partition_list_new(n));
  PartitionListHandle live(rd_kafka_topic_partition_list_new(n));
  PartitionListHandle held(rd_kafka_topic_partition_list_new(n));
  std::set<int32_t> wanted;
  for (const auto& [p, off] : position_) {
    rd_kafka_topic_partition_list_add(all.get(), topic_.c_str(), p)->offset = off;
    rd_kafka_topic_partition_list_add(from_history_.count(p) ? held.get() : live.get(), topic_.c_str(), p);
    wanted.insert(p);
  }
  bool moved = false;
  if (wanted == assigned_ && !wanted.empty()) {
    moved = true;
    if (auto* error = rd_kafka_seek_partitions(rk_.get(), all.get(), 5000)) {
      rd_kafka_error_destroy(error);
      moved = false;
    }
    for (int i = 0; moved && i < all->cnt; ++i) moved = !all->elems[i].err;
  }
  if (!moved) {
    if (auto err = rd_kafka_assign(rk_.get(), wanted.empty() ? nullptr : all.get()))
      throw std::runtime_error(std::string("kafka assign: ") + rd_kafka_err2str(err));
    assigned_ = std::move(wanted);
  }
  // A pause outlives seeks and assignments: set both ways every time.
  if (held->cnt) rd_kafka_pause_partitions(rk_.get(), held.get());
  if (live->cnt) rd_kafka_resume_partitions(rk_.get(), live.get());
}

void LogReader::pause() {
  if (assigned_.empty()) return;
  PartitionListHandle list(rd_kafka_topic_partition_list_new(static_cast<int>(assigned_.size())));
  for (int32_t p : assigned_) rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p);
  rd_kafka_pause_partitions(rk_.get(), list.get());
}

std::vector<Message> LogReader::from_history(size_t max) {
  std::vector<Message> out;
  bool caught_up = false;
  for (auto it = from_history_.begin(); it != from_history_.end() && out.size() < max;) {
    int32_t p = *it;
    int64_t& pos = position_[p];
    auto more = history_->read(p, pos, max - out.size());
    pos += static_cast<int64_t>(more.size());
    out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    // At the end of a history that is no longer whole the partition goes back to the consumer:
    // what follows is recent, and the mock cluster has it.
    if (pos >= history_->size(p) && !whole_history()) {
      it = from_history_.erase(it);
      caught_up = true;
    } else {
      ++it;
    }
  }
  if (caught_up) assign_consumer();
  return out;
}

std::vector<Message> LogReader::poll(size_t max, std::chrono::milliseconds wait) {
  if (!from_history_.empty()) {
    auto out = from_history(max);
    if (!out.empty()) return out;
  }
  if (following_history()) {
    history_->wait_for_more(position_, wait);
    auto out = from_history(max);
    if (!out.empty() || following_history()) return out;
    // The history broke while waiting: the consumer takes over past its end.
  }
  std::vector<Message> out;
  int timeout = static_cast<int>(wait.count());
  while (out.size() < max) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), timeout);
    if (!m) break;
    timeout = 0;  // drain what is already here, then return
    if (m->err) {
      std::string what = rd_kafka_message_errstr(m);
      int32_t partition = m->partition;
      bool out_of_range = m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE || m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET;
      bool fatal = m->err == RD_KAFKA_RESP_ERR__FATAL || out_of_range;
      rd_kafka_message_destroy(m);
      if (out_of_range && history_ && position_.count(partition) && position_[partition] < history_->size(partition)) {
        // The mock cluster dropped what this reader still needs: read it from the history.
        from_history_.insert(partition);
        assign_consumer();
        break;
      }
      if (out_of_range && position_.count(partition)) {
        int64_t wanted = position_[partition];
        int64_t earliest = -1;
        try {
          earliest = earliest_offset(partition, std::chrono::seconds(5));
        } catch (const std::exception&) {
        }
        if (earliest > wanted) throw LogTruncated(topic_, partition, wanted, earliest);
      }
      if (fatal) throw std::runtime_error("kafka read: " + what);
      continue;  // transient: librdkafka retries by itself
    }
    if (from_history_.count(m->partition)) {  // fetched before the partition was paused
      rd_kafka_message_destroy(m);
      continue;
    }
    Message msg;
    msg.partition = m->partition;
    msg.offset = m->offset;
    if (m->key) msg.key.assign(static_cast<const char*>(m->key), m->key_len);
    if (m->payload) msg.value.assign(static_cast<const char*>(m->payload), m->len);
    rd_kafka_message_destroy(m);
    if (position_.count(msg.partition)) position_[msg.partition] = msg.offset + 1;
    out.push_back(std::move(msg));
  }
  return out;
}

std::pair<int64_t, int64_t> LogReader::watermarks(int32_t partition, std::chrono::milliseconds timeout) {
  int64_t low = 0, high = 0;
  if (auto err = rd_kafka_query_watermark_offsets(rk_.get(), topic_.c_str(), partition, &low, &high,
                                                  static_cast<int>(timeout.count())))
    throw std::runtime_error(std::string("kafka watermarks: ") + rd_kafka_err2str(err));
  return {low, high};
}

int64_t LogReader::end_offset(int32_t partition, std::chrono::milliseconds timeout) {
  return watermarks(partition, timeout).second;
}

int64_t LogReader::earliest_offset(int32_t partition, std::chrono::milliseconds timeout) {
  auto [low, high] = watermarks(partition, timeout);
  // The embedded log's history holds what the mock cluster dropped.
  return history_ && history_->size(partition) >= high ? 0 : low;
}

int64_t LogReader::cached_end_offset(int32_t partition) {
  int64_t low = -1, high = -1;
  if (rd_kafka_get_watermark_offsets(rk_.get(), topic_.c_str(), partition, &low, &high)) high = -1;
  // The history holds every acknowledged record: its end is the log's, whatever was fetched.
  if (history_) high = std::max(high, history_->size(partition));
  return high;
}

int32_t LogReader::partition_count(std::chrono::milliseconds timeout) {
  Holder<rd_kafka_topic_t, &rd_kafka_topic_destroy> topic(rd_kafka_topic_new(rk_.get(), topic_.c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  if (auto err = rd_kafka_metadata(rk_.get(), 0, topic.get(), &md, static_cast<int>(timeout.count())))
    throw std::runtime_error(std::string("kafka metadata: ") + rd_kafka_err2str(err));
  int32_t n = 0;
  if (md->topic_cnt == 1 && !md->topics[0].err) n = md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  return n;
}

}  // namespace regent::events
