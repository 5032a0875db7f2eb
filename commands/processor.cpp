#include "commands/processor.hpp"

#include <boost/json/object.hpp>
#include <chrono>
#include <stdexcept>

#include "commands/evolve.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "events/event_log.hpp"
#include "events/event_types.hpp"
#include "events/fence.hpp"
#include "events/log_reader.hpp"
#include "events/partitioner.hpp"
#include "events/schemas.hpp"

namespace regent::commands {
namespace {
const core::Logger logger("commands");
using Clock = std::chrono::steady_clock;
}  // namespace

// Two locks, so that reads never wait for a Kafka round trip: `writer` is held by the one command
// being decided and appended; `state_mu` only while `state` changes (and by readers). Only holders
// of `writer` change `state`, so deciding under `writer` alone reads a stable state.
struct Processor::Slot {
  std::mutex writer;
  mutable std::mutex state_mu;
  PartitionState state;
  bool stale = false;  // an append failed: reload from the log before deciding again (under writer)
};

Processor::Processor(events::EventLog& log, std::string writer_id)
    : log_(log), writer_id_(std::move(writer_id)) {
  for (int32_t p = 0; p < log_.partitions(); ++p) {
    slots_.push_back(std::make_unique<Slot>());
    slots_.back()->state.partition = p;
  }
  reader_ = std::make_unique<events::LogReader>(log_.brokers(), log_.topic());
}

Processor::~Processor() = default;

int32_t Processor::partitions() const { return static_cast<int32_t>(slots_.size()); }

int32_t Processor::partition_of(const core::TenantId& tenant) const {
  return events::partition_for(tenant.value, partitions());
}

int32_t Processor::partition_of_slug(std::string_view slug) const {
  return events::partition_for(slug, partitions());
}

core::TenantId Processor::new_tenant_id(std::string_view slug) const {
  int32_t want = partition_of_slug(slug);
  for (;;) {
    core::TenantId id{core::uuid_v7()};
    if (partition_of(id) == want) return id;
  }
}

// The caller holds slot.state_mu.
void Processor::catch_up(Slot& slot, int64_t until) {
  std::lock_guard lock(reader_mu_);
  PartitionState& s = slot.state;
  reader_->assign({{s.partition, s.next_offset}});
  auto last_progress = Clock::now();
  while (s.next_offset < until) {
    auto batch = reader_->poll(2000, std::chrono::milliseconds(100));
    if (batch.empty()) {
      if (Clock::now() - last_progress > std::chrono::seconds(30))
        throw std::runtime_error("reading partition " + std::to_string(s.partition) + " stalled");
      continue;
    }
    last_progress = Clock::now();
    for (const auto& m : batch) {
      if (m.partition != s.partition || m.offset < s.next_offset) continue;
      auto e = events::parse_envelope(m.value);
      if (e && events::admit(s.fence, *e) == events::Verdict::valid) evolve(s, *e);
      s.next_offset = m.offset + 1;
    }
  }
}

void Processor::load(std::vector<int32_t> partitions) {
  auto started = Clock::now();
  for (int32_t p : partitions) {
    Slot& slot = *slots_[p];
    std::lock_guard state_lock(slot.state_mu);
    slot.state = PartitionState{};
    slot.state.partition = p;
    int64_t end;
    {
      std::lock_guard lock(reader_mu_);
      end = reader_->end_offset(p, std::chrono::seconds(10));
    }
    catch_up(slot, end);
    slot.stale = false;
  }
  double secs = std::chrono::duration<double>(Clock::now() - started).count();
  core::Metrics::global().gauge_set("regent_command_state_load_seconds", {}, secs);
}

void Processor::claim(int32_t partition) {
  Slot& slot = *slots_[partition];
  int64_t epoch = slot.state.fence.epoch + 1;
  events::Envelope e;
  e.id = core::uuid_v7();
  e.source = "/partitions/" + std::to_string(partition);
  e.type = std::string(events::types::owner_claimed);
  e.subject = "partitions/" + std::to_string(partition);
  e.time = core::format_rfc3339(core::now_millis());
  e.data = core::to_json(boost::json::object{{"partition", partition}, {"writer_id", writer_id_}, {"epoch", epoch}});
  e.writer_id = writer_id_;
  e.writer_epoch = epoch;
  std::string json = events::to_json(e);
  if (auto errors = events::validate_event_json(json); !errors.empty())
    throw std::logic_error("owner.claimed breaks its schema: " + errors.front().field + " " + errors.front().message);
  auto offsets = log_.append(partition, {events::make_record("partition-" + std::to_string(partition), e.type, e.id, "", json)});
  if (!offsets) throw std::runtime_error("could not claim partition " + std::to_string(partition));
  // Decide nothing before our own marker has been read back: everything before it is history.
  std::lock_guard state_lock(slot.state_mu);
  catch_up(slot, offsets.value().back() + 1);
  if (slot.state.fence.writer_id != writer_id_ || slot.state.fence.epoch != epoch)
    throw std::runtime_error("partition " + std::to_string(partition) + " was claimed by another writer");
}

void Processor::start() {
  std::vector<int32_t> all;
  for (int32_t p = 0; p < partitions(); ++p) all.push_back(p);
  auto started = Clock::now();
  load(all);
  for (int32_t p : all) claim(p);
  size_t tenants = 0;
  for (auto& s : slots_) tenants += s->state.tenants.size();
  ready_ = true;
  logger.info("command state loaded",
              {{"partitions", std::to_string(all.size())}, {"tenants", std::to_string(tenants)},
               {"writer_id", writer_id_},
               {"ms", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count())}});
}

void Processor::read(int32_t partition, const std::function<void(const PartitionState&)>& f) const {
  const Slot& slot = *slots_.at(partition);
  std::lock_guard lock(slot.state_mu);
  f(slot.state);
}

std::string Processor::serialise(const Draft& d, const Context& ctx, events::Envelope& e,
                                 const Slot& slot) const {
  e.id = core::uuid_v7();
  e.source = "/tenants/" + d.tenant_id.value;
  e.type = d.type;
  e.subject = d.subject;
  e.time = core::format_rfc3339(ctx.now);
  e.data = d.data;
  e.tenant_id = d.tenant_id.value;
  e.actor_id = ctx.actor_id;
  e.actor_type = ctx.actor_type;
  e.sequence = d.sequence;
  e.request_id = ctx.request_id;
  e.correlation_id = ctx.request_id;
  e.idempotency_key = ctx.idempotency_key;
  e.writer_id = slot.state.fence.writer_id;
  e.writer_epoch = slot.state.fence.epoch;
  return events::to_json(e);
}

core::Result<Committed> Processor::execute(int32_t partition, const Context& ctx, const Decider& decide) {
  if (!ready_) return core::make_error(core::errc::unavailable, "the command processor is starting");
  Slot& slot = *slots_.at(partition);
  std::lock_guard writer(slot.writer);
  if (slot.stale) {
    try {
      load({partition});
      claim(partition);
    } catch (const std::exception& ex) {
      logger.warn("partition reload failed", {{"partition", std::to_string(partition)}, {"error", ex.what()}});
      return core::make_error(core::errc::unavailable, "the event log is unavailable");
    }
  }
  auto decision = decide(slot.state);
  if (!decision) return decision.error();
  if (decision.value().empty()) {
    // Nothing changes; the position of what was decided so far still serves read-your-writes.
    std::lock_guard state_lock(slot.state_mu);
    return Committed{{}, Position{partition, slot.state.next_offset - 1}};
  }

  Committed done;
  std::vector<events::Record> records;
  for (const auto& d : decision.value()) {
    events::Envelope e;
    std::string json = serialise(d, ctx, e, slot);
    // A command that would append an invalid event is a bug: refuse it whole.
    if (auto errors = events::validate_event_json(json); !errors.empty()) {
      logger.error("event breaks its schema", {{"type", d.type}, {"field", errors.front().field},
                                               {"problem", errors.front().message}});
      return core::make_error(core::errc::internal, "internal error");
    }
    records.push_back(events::make_record(d.tenant_id.value, e.type, e.id, e.tenant_id, std::move(json)));
    done.events.push_back(std::move(e));
  }
  auto offsets = log_.append(partition, records);
  if (!offsets) {
    // Some of the batch may be in the log: forget what we believe and read it back before the
    // next decision. The client learns the real outcome by retrying with its Idempotency-Key.
    slot.stale = true;
    return offsets.error();
  }
  {
    std::lock_guard state_lock(slot.state_mu);
    for (const auto& e : done.events) evolve(slot.state, e);
    slot.state.next_offset = offsets.value().back() + 1;
  }
  done.position = Position{partition, offsets.value().back()};
  return done;
}

}  // namespace regent::commands
