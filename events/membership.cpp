#include "events/membership.hpp"

#include <stdexcept>

#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace regent::events {
namespace {
const core::Logger logger("membership");

Membership::Partitions partitions_of(const rd_kafka_topic_partition_list_t* parts) {
  Membership::Partitions out;
  for (int i = 0; i < parts->cnt; ++i) out.push_back(parts->elems[i].partition);
  return out;
}

std::string describe(const Membership::Partitions& ps) {
  std::string s;
  for (auto p : ps) s += (s.empty() ? "" : ",") + std::to_string(p);
  return s.empty() ? "none" : s;
}
}  // namespace

Membership::Membership(MembershipOptions options, std::function<void(const Partitions&)> on_assigned,
                       std::function<void(const Partitions&)> on_revoked)
    : options_(std::move(options)), on_assigned_(std::move(on_assigned)), on_revoked_(std::move(on_revoked)) {}

Membership::~Membership() { stop(); }

void Membership::rebalance_cb(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                              void* opaque) {
  static_cast<Membership*>(opaque)->rebalance(err, parts);
}

// Cooperative rebalancing moves only the partitions that change hands: an instance keeps writing
// to the others while a new one joins.
void Membership::rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
  rd_kafka_t* rk = rk_.get();
  bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
  auto list = partitions_of(parts);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_error_t* error = nullptr;
    if (cooperative) error = rd_kafka_incremental_assign(rk, parts);
    else rd_kafka_assign(rk, parts);
    if (error) {
      logger.error("assignment refused by the client", {{"error", rd_kafka_error_string(error)}});
      rd_kafka_error_destroy(error);
      return;
    }
    rd_kafka_pause_partitions(rk, parts);  // the group is for ownership only: no fetching
    logger.info("partitions assigned", {{"partitions", describe(list)}, {"instance", options_.instance_id}});
    if (!list.empty()) on_assigned_(list);
    joined_ = true;
    return;
  }
  bool lost = rd_kafka_assignment_lost(rk);
  logger.info(lost ? "partitions lost" : "partitions revoked",
              {{"partitions", describe(list)}, {"instance", options_.instance_id}});
  if (!list.empty()) on_revoked_(list);
  if (cooperative) {
    if (auto* error = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(error);
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

void Membership::start() {
  auto session = options_.session_timeout.count();
  auto conf = make_conf({{"bootstrap.servers", options_.brokers},
                         {"group.id", options_.group},
                         {"client.id", options_.group + "-" + options_.instance_id},
                         {"partition.assignment.strategy", "cooperative-sticky"},
                         {"session.timeout.ms", std::to_string(session)},
                         {"heartbeat.interval.ms", std::to_string(std::max<int64_t>(100, session / 6))},
                         {"enable.auto.commit", "false"},
                         {"enable.auto.offset.store", "false"},
                         {"auto.offset.reset", "latest"},
                         {"queued.max.messages.kbytes", "1024"},
                         {"enable.partition.eof", "false"}});
  rd_kafka_conf_set_rebalance_cb(conf.get(), &Membership::rebalance_cb);
  rd_kafka_conf_set_opaque(conf.get(), this);
  char err[512];
  rk_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err));
  if (!rk_) throw std::runtime_error(std::string("kafka consumer: ") + err);
  conf.release();
  rd_kafka_poll_set_consumer(rk_.get());
  PartitionListHandle topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), options_.topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto e = rd_kafka_subscribe(rk_.get(), topics.get()))
    throw std::runtime_error(std::string("kafka subscribe: ") + rd_kafka_err2str(e));
  thread_ = core::named_thread("regent-group", [this] { run(); });
}

void Membership::run() {
  while (!stopping_) {
    // Rebalance callbacks run inside this call; messages are not expected (everything is paused).
    if (auto* m = rd_kafka_consumer_poll(rk_.get(), 100)) {
      if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
        logger.debug("group", {{"group", options_.group}, {"error", rd_kafka_message_errstr(m)}});
      rd_kafka_message_destroy(m);
    }
  }
}

void Membership::stop() {
  if (!rk_) return;
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  rd_kafka_consumer_close(rk_.get());  // revokes everything through the callback, then leaves
  rk_.reset();
}

}  // namespace regent::events
