#include "commands/processor.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>

#include "commands/evolve.hpp"
#include "commands/idempotency.hpp"
#include "commands/snapshot.hpp"
#include "commands/snapshot_store.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/thread_name.hpp"
#include "core/waiting.hpp"
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

core::Error unavailable(std::string detail) { return core::make_error(core::errc::unavailable, std::move(detail)); }

core::Error not_owner() {
  core::Error e = unavailable("this server does not write to the tenant's partition right now; retry");
  e.retry_after_s = 1;
  return e;
}

// 1 where this instance writes to the partition, 0 where it follows it.
void publish_owned(int32_t partition, bool owned) {
  core::Metrics::global().gauge_set("regent_command_partition_owned", {{"partition", std::to_string(partition)}},
                                    owned ? 1.0 : 0.0);
}

// Applies the record at s.next_offset the way every reader does: valid events change the state,
// anything else is skipped (DESIGN.md decision 2).
void apply_message(PartitionState& s, const events::Message& m) {
  auto e = events::parse_envelope(m.value);
  if (e && events::admit(s.fence, *e) == events::Verdict::valid) {
    evolve(s, *e);
    remember_key(s, *e, Position{s.partition, m.offset});
  }
  s.next_offset = m.offset + 1;
  s.last_event_id = e ? e->id : std::string();
}
}  // namespace

// A command from the moment it is queued until it is answered. It lives on the stack of the
// thread or fiber that waits for the answer.
struct Processor::Pending {
  const Context* ctx = nullptr;
  Decider decide;
  std::optional<core::Error> refusal;   // decided: no
  std::vector<events::Envelope> events; // decided: these, at records [first_record, +size)
  size_t first_record = 0;
  Position position;  // settled: of its last event, or what it observed
  std::chrono::steady_clock::time_point decided_at;

  std::optional<core::Result<Committed>> answer;
  std::function<void()> wake;  // lets the waiter go on (core/waiting.hpp)

  // The last touch: once woken, the waiter may be gone.
  void reply(core::Result<Committed> r) {
    answer.emplace(std::move(r));
    auto go = std::move(wake);
    go();
  }
};

struct Processor::Batch {
  uint64_t serial = 0;
  bool abandoned = false;  // an earlier batch failed: its commands were answered already
  std::vector<Pending*> commands;
  std::vector<events::Record> records;
  std::string last_event_id;
  size_t bytes = 0;
  bool empty() const { return commands.empty(); }
};

// `mu` guards the queue, the role and the hand-over of acknowledgements; `state_mu` guards `state`
// against readers. Only one thread changes `state` at a time (the worker while this instance writes
// to the partition, the follower otherwise), so that thread reads it without the lock.
struct Processor::Slot {
  enum class Role { follower, owner, releasing };
  int32_t partition = 0;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<Pending*> queue;
  bool stopping = false;
  Role role = Role::follower;
  bool claimed = false;       // the worker's marker has been read back: it decides
  int64_t claimed_epoch = 0;  // the worker's: the epoch of its marker, 0 before it claimed
  bool fenced = false;        // the worker's: a newer owner's marker came after ours
  // Acknowledgements by batch serial: matched to their batch, whatever order they come in.
  std::deque<std::pair<uint64_t, events::EventLog::Offsets>> acked;
  uint64_t next_serial = 0;  // the worker's only

  mutable std::mutex state_mu;
  PartitionState state;  // everything decided, acknowledged or not; next_offset: acknowledged only
  bool stale = false;    // an append failed: reload from the log before deciding again
  Clock::time_point unavailable_until{};
  int64_t snapshot_offset = 0;  // next_offset of the latest snapshot saved (or being saved) or loaded
  std::atomic<int64_t> snapshot_bytes{0};  // its size, once known
  std::thread saver;             // the snapshot being saved, if any
  std::atomic<bool> saving{false};
  std::string chain;            // id of the last record decided by this writer: the next event's writerprev
  // Reads this partition only, for whichever thread changes `state`: one partition per reader keeps
  // its assignment fixed (moving it is a seek).
  std::unique_ptr<events::LogReader> reader;
  std::thread worker;
};

Processor::Processor(events::EventLog& log, std::string writer_id, ProcessorOptions options)
    : log_(log), writer_id_(std::move(writer_id)), options_(options) {
  for (int32_t p = 0; p < log_.partitions(); ++p) {
    slots_.push_back(std::make_unique<Slot>());
    slots_.back()->partition = p;
    slots_.back()->state.partition = p;
    slots_.back()->reader = std::make_unique<events::LogReader>(log_.brokers(), log_.topic(), log_.history());
  }
}

Processor::~Processor() { stop(); }

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
  PartitionState& s = slot.state;
  slot.reader->assign({{s.partition, s.next_offset}});
  auto last_progress = Clock::now();
  while (s.next_offset < until) {
    auto batch = slot.reader->poll(2000, std::chrono::milliseconds(100));
    if (batch.empty()) {
      if (Clock::now() - last_progress > std::chrono::seconds(10))
        throw std::runtime_error("reading partition " + std::to_string(s.partition) + " stalled");
      continue;
    }
    last_progress = Clock::now();
    for (const auto& m : batch)
      if (m.partition == s.partition && m.offset >= s.next_offset) apply_message(s, m);
  }
  slot.reader->pause();
}

void Processor::load(Slot& slot) {
  std::lock_guard state_lock(slot.state_mu);
  int64_t end = slot.reader->end_offset(slot.partition, std::chrono::seconds(10));
  int64_t earliest = slot.reader->earliest_offset(slot.partition, std::chrono::seconds(10));
  std::string why_not;  // why no snapshot was used, for the error if the log's beginning is needed
  if (!load_snapshot(slot, end, earliest, why_not)) {
    slot.state = PartitionState{};
    slot.state.partition = slot.partition;
    slot.snapshot_offset = 0;
  }
  std::string context = "the command state of partition " + std::to_string(slot.partition) + " cannot be rebuilt (" +
                        why_not + ")";
  if (slot.state.next_offset < earliest)
    throw events::LogTruncated(context, events::LogTruncated(log_.topic(), slot.partition, slot.state.next_offset, earliest));
  try {
    catch_up(slot, end);
  } catch (const events::LogTruncated& t) {
    throw events::LogTruncated(context, t);
  }
}

// The caller holds slot.state_mu. A snapshot counts only if the log still holds, at the offset
// before its position, the very event it was taken after; when the log's beginning was deleted up
// to exactly its position, the record there must follow from the snapshot's fence instead.
bool Processor::load_snapshot(Slot& slot, int64_t end, int64_t earliest, std::string& why_not) {
  if (!options_.snapshots) {
    why_not = "snapshots are off: REGENT_SNAPSHOT_EVERY=0";
    return false;
  }
  try {
    auto stored = options_.snapshots->load(slot.partition);
    if (!stored) {
      why_not = "no snapshot of it was saved";
      return false;
    }
    if (stored->next_offset > end || stored->next_offset < 1) {
      why_not = "its snapshot, at offset " + std::to_string(stored->next_offset) + ", is beyond the log's end";
      return false;
    }
    if (stored->next_offset < earliest) {
      why_not = "its newest snapshot, at offset " + std::to_string(stored->next_offset) + ", is older than what the log holds";
      logger.warn("the newest snapshot is older than the log's oldest offset",
                  {{"partition", slot.partition}, {"snapshot", stored->next_offset},
                   {"earliest", earliest}});
      return false;
    }
    auto state = decode_snapshot(stored->state);
    if (!state || state->partition != slot.partition || state->next_offset != stored->next_offset) {
      why_not = "its snapshot cannot be read";
      logger.warn("a snapshot cannot be read; reading from the start", {{"partition", slot.partition}});
      return false;
    }
    bool matches = stored->next_offset - 1 >= earliest ? log_has(slot, stored->next_offset - 1, stored->last_event_id)
                                                       : log_continues(slot, *state, end);
    if (!matches) {
      why_not = "its snapshot, at offset " + std::to_string(stored->next_offset) + ", does not match this log";
      logger.warn("a snapshot does not match the log; reading from the start",
                  {{"partition", slot.partition}, {"offset", stored->next_offset}});
      return false;
    }
    slot.state = std::move(state.value());
    slot.snapshot_offset = slot.state.next_offset;
    slot.snapshot_bytes = static_cast<int64_t>(stored->state.size());
    return true;
  } catch (const std::exception& ex) {
    why_not = std::string("snapshots are unavailable: ") + ex.what();
    logger.warn("snapshots unavailable; reading from the start", {{"error", ex.what()}});
    return false;
  }
}

// The record at `offset` of the slot's partition (none if the log has none there within 10 s).
std::optional<events::Message> Processor::record_at(Slot& slot, int64_t offset) {
  int32_t partition = slot.partition;
  slot.reader->assign({{partition, offset}});
  auto deadline = Clock::now() + std::chrono::seconds(10);
  std::optional<events::Message> found;
  while (!found && Clock::now() < deadline)
    for (auto& m : slot.reader->poll(1, std::chrono::milliseconds(100)))
      if (m.partition == partition && m.offset == offset) found = std::move(m);
  slot.reader->pause();
  return found;
}

bool Processor::log_has(Slot& slot, int64_t offset, const std::string& event_id) {
  auto m = record_at(slot, offset);
  if (!m) return false;
  auto e = events::parse_envelope(m->value);
  return e && e->id == event_id;
}

// The record at the snapshot's position, if the log has one, is admitted by the snapshot's fence:
// a marker of a newer owner, or the next link of the owner's chain.
bool Processor::log_continues(Slot& slot, const PartitionState& state, int64_t end) {
  if (state.next_offset >= end) return true;
  auto m = record_at(slot, state.next_offset);
  if (!m) return false;
  auto e = events::parse_envelope(m->value);
  events::FenceState fence = state.fence;
  return e && events::admit(fence, *e) != events::Verdict::invalid;
}

int64_t Processor::snapshot_interval(const Slot& slot) const {
  return std::max(options_.snapshot_every, slot.snapshot_bytes / std::max<int64_t>(options_.snapshot_bytes_per_event, 1));
}

bool Processor::snapshot_due(const Slot& slot) const {
  return options_.snapshots && !slot.stale && !slot.saving &&
         slot.state.next_offset - slot.snapshot_offset >= snapshot_interval(slot);
}

// Only acknowledged state is saved: callers make sure nothing is decided on top of it. The worker
// pauses only to copy the state; encoding and writing it happen on another thread, one save at a
// time. `force` (stop, hand-over) saves whatever is new, and waits.
void Processor::maybe_snapshot(Slot& slot, bool force) {
  if (!options_.snapshots || slot.stale) return;
  if (slot.saver.joinable() && (force || !slot.saving)) slot.saver.join();
  if (slot.saving) return;
  int64_t behind = slot.state.next_offset - slot.snapshot_offset;
  if (behind <= 0 || (!force && behind < snapshot_interval(slot))) return;
  auto copy = std::make_shared<PartitionState>(slot.state);
  slot.snapshot_offset = copy->next_offset;
  auto save = [this, &slot, copy] {
    int32_t partition = slot.partition;
    try {
      auto started = Clock::now();
      StoredSnapshot stored{copy->next_offset, copy->last_event_id, encode_snapshot(*copy)};
      options_.snapshots->save(partition, stored);
      slot.snapshot_bytes = static_cast<int64_t>(stored.state.size());
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
      core::Metrics::global().counter_add("regent_command_snapshots_total", {});
      logger.info("snapshot saved", {{"partition", partition},
                                     {"offset", stored.next_offset},
                                     {"bytes", stored.state.size()}, {"ms", ms}});
    } catch (const std::exception& ex) {
      logger.warn("snapshot not saved", {{"partition", partition}, {"error", ex.what()}});
    }
  };
  if (force) {
    save();
    return;
  }
  slot.saving = true;
  slot.saver = std::thread([&slot, save] {
    save();
    slot.saving = false;
  });
}

void Processor::claim(Slot& slot) {
  int32_t partition = slot.partition;
  int64_t epoch = slot.state.fence.epoch + 1;
  events::Envelope e;
  e.id = core::uuid_v7();
  e.source = "/partitions/" + std::to_string(partition);
  e.type = std::string(events::types::owner_claimed);
  e.subject = "partitions/" + std::to_string(partition);
  e.time = core::format_rfc3339(core::now_millis());
  boost::json::object data{{"partition", partition}, {"writer_id", writer_id_}, {"epoch", epoch}};
  if (!url_.empty()) data["url"] = url_;
  e.data = core::to_json(data);
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
  slot.chain = slot.state.fence.last_id;  // our marker: the first link of our events
  slot.claimed_epoch = epoch;
}

void Processor::start() {
  auto started = Clock::now();
  int64_t events = 0;
  for (auto& slot : slots_) {
    load(*slot);
    events += slot->state.next_offset - slot->snapshot_offset;
  }
  double secs = std::chrono::duration<double>(Clock::now() - started).count();
  events_read_at_start_ = events;
  core::Metrics::global().gauge_set("regent_command_state_load_seconds", {}, secs);
  core::Metrics::global().gauge_set("regent_command_state_load_events", {}, double(events));
  size_t tenants = 0;
  for (auto& s : slots_) tenants += s->state.tenants.size();
  follower_ = core::named_thread("regent-follow", [this] { follow(); });
  ready_ = true;
  logger.info("command state loaded",
              {{"partitions", slots_.size()}, {"tenants", tenants},
               {"writer_id", writer_id_}, {"events_read", events},
               {"ms", static_cast<int64_t>(secs * 1000)}});
}

void Processor::stop() {
  ready_ = false;
  for (auto& s : slots_) {
    {
      std::lock_guard lock(s->mu);
      s->stopping = true;
    }
    s->cv.notify_one();
  }
  for (auto& s : slots_)
    if (s->worker.joinable()) s->worker.join();
  {
    std::lock_guard lock(follow_mu_);
    follow_stop_ = true;
  }
  follow_cv_.notify_all();
  if (follower_.joinable()) follower_.join();
}

void Processor::acquire(const std::vector<int32_t>& partitions) {
  for (int32_t p : partitions) {
    Slot& slot = *slots_.at(p);
    std::lock_guard follow_lock(follow_mu_);  // the follower lets go of the partition
    if (slot.worker.joinable()) slot.worker.join();  // one that gave up by itself
    {
      std::lock_guard lock(slot.mu);
      if (slot.stopping || slot.role != Slot::Role::follower) continue;
      slot.role = Slot::Role::owner;
      slot.claimed = false;
    }
    publish_owned(p, true);
    slot.claimed_epoch = 0;
    slot.fenced = false;
    slot.worker = core::named_thread("regent-p" + std::to_string(p), [this, &slot] { run(slot); });
  }
}

void Processor::acquire_all() {
  std::vector<int32_t> all;
  for (int32_t p = 0; p < partitions(); ++p) all.push_back(p);
  acquire(all);
  if (!wait_claimed(std::chrono::seconds(30))) throw std::runtime_error("could not claim the partitions");
}

void Processor::release(const std::vector<int32_t>& partitions) {
  for (int32_t p : partitions) {
    Slot& slot = *slots_.at(p);
    {
      std::lock_guard lock(slot.mu);
      if (slot.role != Slot::Role::owner) continue;
      slot.role = Slot::Role::releasing;
    }
    publish_owned(p, false);
    slot.cv.notify_one();
  }
  for (int32_t p : partitions) {
    Slot& slot = *slots_.at(p);
    std::lock_guard follow_lock(follow_mu_);
    if (slot.worker.joinable()) slot.worker.join();
  }
  follow_cv_.notify_all();
}

bool Processor::wait_claimed(std::chrono::milliseconds timeout) const {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    bool all = true;
    for (const auto& s : slots_) {
      std::lock_guard lock(s->mu);
      all = all && (s->role != Slot::Role::owner || s->claimed);
    }
    if (all) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Owner Processor::owner_of(int32_t partition) const {
  Slot& slot = *slots_.at(partition);
  {
    std::lock_guard lock(slot.mu);
    if (slot.role == Slot::Role::owner) return Owner{true, writer_id_, url_};
  }
  Owner owner;
  read(partition, [&](const PartitionState& s) {
    // Our own marker on a partition we no longer write to: its next owner has not claimed it yet.
    if (s.fence.writer_id != writer_id_) owner = Owner{false, s.fence.writer_id, s.fence.url};
  });
  return owner;
}

// Reads every partition this instance does not write to, the way every reader does, so that its
// state is current when it takes one over and its owner (marker) is known.
void Processor::follow() {
  events::LogReader reader(log_.brokers(), log_.topic(), log_.history());
  std::map<int32_t, int64_t> expected;  // where the reader stands, per partition it reads
  for (;;) {
    std::map<int32_t, int64_t> wanted;
    {
      std::unique_lock follow_lock(follow_mu_);
      if (follow_stop_) return;
      for (auto& s : slots_) {
        {
          std::lock_guard lock(s->mu);
          if (s->role != Slot::Role::follower || s->stopping) continue;
        }
        if (s->stale) {  // left by a writer with events the log may lack
          try {
            load(*s);
            s->stale = false;
          } catch (const std::exception& ex) {
            logger.warn("following a partition: reload failed", {{"partition", s->partition}, {"error", ex.what()}});
            continue;
          }
        }
        wanted[s->partition] = s->state.next_offset;
      }
      if (wanted.empty() && expected.empty()) {
        follow_cv_.wait_for(follow_lock, std::chrono::milliseconds(200));
        continue;
      }
    }
    std::vector<events::Message> batch;
    try {
      if (wanted != expected) {
        reader.assign(wanted);  // none: stop fetching what nobody reads
        expected = wanted;
      }
      if (wanted.empty()) continue;
      batch = reader.poll(2000, std::chrono::milliseconds(50));
    } catch (const std::exception& ex) {
      logger.warn("following partitions failed; retrying", {{"error", ex.what()}});
      expected.clear();
      std::unique_lock follow_lock(follow_mu_);
      follow_cv_.wait_for(follow_lock, std::chrono::milliseconds(500));
      continue;
    }
    std::lock_guard follow_lock(follow_mu_);
    for (const auto& m : batch) {
      Slot& s = *slots_.at(m.partition);
      {
        std::lock_guard lock(s.mu);
        if (s.role != Slot::Role::follower) continue;
      }
      if (m.offset < s.state.next_offset) continue;
      if (m.offset > s.state.next_offset) {  // the reader stands elsewhere: move it
        expected.erase(m.partition);
        continue;
      }
      std::lock_guard state_lock(s.state_mu);
      apply_message(s.state, m);
      expected[m.partition] = m.offset + 1;
    }
  }
}

void Processor::read(int32_t partition, const std::function<void(const PartitionState&)>& f) const {
  const Slot& slot = *slots_.at(partition);
  std::unique_lock lock(slot.state_mu, std::try_to_lock);
  if (lock.owns_lock()) return f(slot.state);
  // Held for long while the partition is re-read from the log: wait where blocking is allowed, not
  // on an I/O thread serving other connections.
  core::run_blocking([&] {
    std::lock_guard held(slot.state_mu);
    f(slot.state);
  });
}

std::string Processor::serialise(const Draft& d, const Context& ctx, events::Envelope& e, Slot& slot) const {
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
  e.traceparent = ctx.traceparent;
  e.tracestate = ctx.tracestate;
  e.idempotency_key = ctx.idempotency_key;
  if (!ctx.idempotency_key.empty()) e.request_hash = ctx.request_hash;
  e.writer_id = slot.state.fence.writer_id;
  e.writer_epoch = slot.state.fence.epoch;
  e.writer_prev = slot.chain;
  slot.chain = e.id;
  return events::to_json(e);
}

core::Result<Committed> Processor::execute(int32_t partition, const Context& ctx, Decider decide) {
  if (!ready_) return unavailable("the command processor is not running");
  Slot& slot = *slots_.at(partition);
  Pending p;
  p.ctx = &ctx;
  p.decide = std::move(decide);
  // Queued and refused under one lock; either way the answer comes through wake(), so that a
  // fiber waits without holding its thread.
  core::wait_for_wake([&](std::function<void()> wake) {
    p.wake = std::move(wake);
    std::optional<core::Error> refused;
    {
      std::lock_guard lock(slot.mu);
      if (slot.stopping) refused = unavailable("the server is shutting down");
      else if (slot.role != Slot::Role::owner) refused = not_owner();
      else if (Clock::now() < slot.unavailable_until) refused = unavailable("the event log is unavailable");
      else if (slot.queue.size() >= options_.max_queue) {
        core::Metrics::global().counter_add("regent_commands_shed_total", {});
        refused = unavailable("too many commands are waiting; retry shortly");
      } else {
        slot.queue.push_back(&p);
      }
    }
    if (refused) return p.reply(std::move(*refused));
    slot.cv.notify_one();
  });
  return std::move(*p.answer);
}

// The worker's first act: the claim. Commands that come meanwhile wait for it, or fail fast if it
// fails; false when the worker is to end instead.
bool Processor::claim_first(Slot& slot) {
  for (;;) {
    {
      std::lock_guard lock(slot.mu);
      if (slot.stopping || slot.role != Slot::Role::owner) return false;
    }
    if (take_over(slot, false)) return true;
    if (slot.fenced) return false;
    {
      std::unique_lock lock(slot.mu);
      for (Pending* p : slot.queue) p->reply(unavailable("the event log is unavailable"));
      slot.queue.clear();
      slot.cv.wait_until(lock, slot.unavailable_until,
                         [&] { return slot.stopping || slot.role != Slot::Role::owner; });
    }
  }
}

// The worker ends: what is queued gets `why`, and the partition is followed again (re-read first if
// its state may hold events the log lacks).
void Processor::leave(Slot& slot, const core::Error& why) {
  if (slot.saver.joinable()) slot.saver.join();
  std::lock_guard lock(slot.mu);
  for (Pending* p : slot.queue) p->reply(why);
  slot.queue.clear();
  slot.role = Slot::Role::follower;
  slot.claimed = false;
  slot.unavailable_until = {};
  publish_owned(slot.partition, false);
}

void Processor::run(Slot& slot) {
  if (!claim_first(slot)) {
    if (slot.fenced) slot.stale = true;
    leave(slot, slot.stopping ? unavailable("the server is shutting down") : not_owner());
    return;
  }
  std::deque<Batch> inflight;  // sent, in the order they were sent
  std::map<uint64_t, events::EventLog::Offsets> arrived;  // acknowledgements not yet settled
  Batch next;                  // decided on top of them
  auto room = [&] { return next.commands.size() < options_.max_batch_commands && next.bytes < options_.max_batch_bytes; };
  auto live = [&] {
    return std::count_if(inflight.begin(), inflight.end(), [](const Batch& b) { return !b.abandoned; });
  };
  for (;;) {
    std::vector<Pending*> taken;
    std::deque<std::pair<uint64_t, events::EventLog::Offsets>> acks;
    bool stopping, releasing;
    size_t waiting;
    // A snapshot is due: take no more commands until everything decided is acknowledged, so that
    // snapshots keep up under constant load, not only when the partition is idle.
    bool draining = snapshot_due(slot);
    {
      std::unique_lock lock(slot.mu);
      slot.cv.wait(lock, [&] {
        bool ending = slot.stopping || slot.fenced;
        return !slot.acked.empty() || (ending && inflight.empty()) ||
               (slot.role == Slot::Role::releasing && slot.queue.empty() && inflight.empty()) ||
               (draining && inflight.empty()) || (!ending && !draining && !slot.queue.empty() && room());
      });
      acks.swap(slot.acked);
      stopping = slot.stopping || slot.fenced;
      releasing = slot.role == Slot::Role::releasing;
      while (!stopping && !draining && !slot.queue.empty() &&
             next.commands.size() + taken.size() < options_.max_batch_commands) {
        taken.push_back(slot.queue.front());
        slot.queue.pop_front();
      }
      waiting = slot.queue.size();
    }
    core::Metrics::global().gauge_set("regent_command_queue_depth", {{"partition", std::to_string(slot.partition)}},
                                      double(waiting));
    for (auto& [serial, offsets] : acks) arrived.emplace(serial, std::move(offsets));
    // Batches are settled in the order they were sent: an acknowledgement that comes early waits
    // for those before it (and fails with them if one of them fails).
    while (!inflight.empty() && arrived.count(inflight.front().serial)) {
      Batch done = std::move(inflight.front());
      inflight.pop_front();
      auto offsets = std::move(arrived.at(done.serial));
      arrived.erase(done.serial);
      if (done.abandoned) continue;
      auto failure = complete(slot, done, offsets);
      if (!failure) continue;
      // Everything decided on top of the failed batch fails with it; what of it still lands names a
      // predecessor the log lacks, so no reader applies it. The state is re-read before the next
      // decision.
      for (auto& b : inflight) {
        if (!b.abandoned) answer_all(b, *failure);
        b.abandoned = true;
      }
      answer_all(next, *failure);
      next = Batch{};
      slot.stale = true;
    }
    if (stopping) {
      if (!inflight.empty()) continue;  // their acknowledgements always come (message.timeout.ms)
      if (!next.empty()) {
        if (!next.records.empty()) slot.stale = true;  // decided into the state, never sent
        answer_all(next, slot.fenced ? not_owner() : unavailable("the server is shutting down"));
      }
      if (!slot.fenced) maybe_snapshot(slot, true);  // the next start reads only what comes after
      leave(slot, slot.fenced ? not_owner() : unavailable("the server is shutting down"));
      return;
    }
    if (!taken.empty()) decide_into(slot, taken, next, releasing);
    if (inflight.empty() && next.empty()) {
      maybe_snapshot(slot, releasing);  // all decided is acknowledged
      if (releasing) {
        bool queued;
        {
          std::lock_guard lock(slot.mu);
          queued = !slot.queue.empty();
        }
        if (!queued) {
          leave(slot, not_owner());
          return;
        }
      }
    }
    if (next.empty()) continue;
    if (next.records.empty()) {
      // Refusals and no-ops: once nothing they were decided on is still in flight, answer them.
      if (live() == 0) {
        answer_unappended(slot, next);
        next = Batch{};
      }
    } else if (static_cast<size_t>(live()) < options_.max_in_flight) {
      next.serial = slot.next_serial++;
      inflight.push_back(std::move(next));
      next = Batch{};
      send(slot, inflight.back());
    }
  }
}

void Processor::decide_into(Slot& slot, std::vector<Pending*>& taken, Batch& next, bool releasing) {
  // A writer giving the partition up re-reads nothing: the next owner will.
  if (slot.stale && (releasing || !take_over(slot, true))) {
    for (Pending* p : taken) p->reply(releasing || slot.fenced ? not_owner() : unavailable("the event log is unavailable"));
    return;
  }
  auto now = std::chrono::steady_clock::now();
  for (Pending* p : taken) {
    if (answered_by_key(slot, *p)) continue;
    p->decided_at = now;
    next.commands.push_back(p);
    auto decision = p->decide(slot.state);
    if (!decision) {
      p->refusal = decision.error();
      if (!p->ctx->idempotency_key.empty()) {
        // Remembered in memory only: a refusal appended nothing, so deciding again is safe.
        IdempotencyRecord r;
        r.request_hash = p->ctx->request_hash;
        r.at = p->ctx->now;
        r.refusal = p->refusal;
        r.pending = true;  // until the batch it was decided in is settled
        std::lock_guard state_lock(slot.state_mu);
        if (auto* index = key_index(slot.state, p->ctx->idempotency_scope)) index->add(p->ctx->idempotency_key, std::move(r));
      }
      continue;
    }
    std::vector<events::Record> records;
    std::vector<events::Envelope> envelopes;
    std::string chain_before = slot.chain;  // a refused command must leave no link behind
    bool valid = true;
    for (const auto& d : decision.value()) {
      events::Envelope e;
      std::string json = serialise(d, *p->ctx, e, slot);
      // A command that would append an invalid event is a bug: refuse it whole.
      if (auto errors = events::validate_event_json(json); !errors.empty()) {
        logger.error("event breaks its schema", {{"type", d.type}, {"field", errors.front().field},
                                                 {"problem", errors.front().message}});
        valid = false;
        break;
      }
      records.push_back(events::make_record(d.tenant_id.value, e.type, e.id, e.tenant_id, std::move(json)));
      envelopes.push_back(std::move(e));
    }
    if (!valid) {
      slot.chain = chain_before;
      p->refusal = core::make_error(core::errc::internal, "internal error");
      continue;
    }
    p->first_record = next.records.size();
    if (!envelopes.empty()) next.last_event_id = envelopes.back().id;
    for (auto& r : records) {
      next.bytes += r.value.size();
      next.records.push_back(std::move(r));
    }
    {
      std::lock_guard state_lock(slot.state_mu);
      for (const auto& e : envelopes) {
        evolve(slot.state, e);
        remember_key(slot.state, e, std::nullopt);
      }
    }
    p->events = std::move(envelopes);
  }
}

void Processor::send(Slot& slot, Batch& batch) {
  auto& metrics = core::Metrics::global();
  metrics.counter_add("regent_command_batches_total", {});
  metrics.counter_add("regent_command_batched_commands_total", {}, double(batch.commands.size()));
  metrics.histogram_observe("regent_command_batch_size", {}, double(batch.commands.size()));
  log_.send(slot.partition, std::move(batch.records), [&slot, serial = batch.serial](events::EventLog::Offsets offsets) {
    {
      std::lock_guard lock(slot.mu);
      slot.acked.emplace_back(serial, std::move(offsets));
    }
    slot.cv.notify_one();
  });
}

std::optional<core::Error> Processor::complete(Slot& slot, Batch& batch, const events::EventLog::Offsets& offsets) {
  if (!offsets) {
    answer_all(batch, offsets.error());
    return offsets.error();
  }
  const auto& o = offsets.value();
  bool contiguous = true;
  for (size_t i = 1; i < o.size(); ++i) contiguous = contiguous && o[i] == o[0] + static_cast<int64_t>(i);
  // Landing right after the last event this writer knows of means nothing came between. Anything
  // else is read back: a newer owner's marker before our events makes them invalid for every reader.
  if (!contiguous || o[0] < slot.state.next_offset || (o[0] > slot.state.next_offset && !landed_valid(slot, o[0]))) {
    logger.warn("a batch landed behind another writer's records; its commands are refused",
                {{"partition", slot.partition}, {"first_offset", o[0]}});
    core::Metrics::global().counter_add("regent_command_batches_fenced_total", {});
    auto fenced = unavailable("this server no longer owns the tenant's partition; retry");
    answer_all(batch, fenced);
    return fenced;
  }
  {
    std::lock_guard state_lock(slot.state_mu);
    slot.state.next_offset = o.back() + 1;
    slot.state.last_event_id = batch.last_event_id;
    slot.state.fence.last_id = batch.last_event_id;
  }
  for (Pending* p : batch.commands)
    p->position = Position{slot.partition, p->events.empty() ? o.back() : o[p->first_record + p->events.size() - 1]};
  answer_settled(slot, batch);
  return std::nullopt;
}

// Every command of the batch has its position: its key's record stops being in flight, and the
// command is answered.
void Processor::answer_settled(Slot& slot, Batch& batch) {
  {
    std::lock_guard state_lock(slot.state_mu);
    for (Pending* p : batch.commands) {
      if (p->ctx->idempotency_key.empty()) continue;
      auto* r = find_key(slot.state, p->ctx->idempotency_scope, p->ctx->idempotency_key, p->ctx->now);
      if (!r || !r->pending) continue;
      r->pending = false;
      r->position = p->position;
    }
  }
  auto& metrics = core::Metrics::global();
  auto now = std::chrono::steady_clock::now();
  for (Pending* p : batch.commands) {
    if (p->refusal) {
      p->reply(*p->refusal);
      continue;
    }
    metrics.histogram_observe("regent_command_duration_seconds", {},
                              std::chrono::duration<double>(now - p->decided_at).count());
    p->reply(Committed{std::move(p->events), p->position});
  }
}

// A command whose key was seen before is answered from the record, never decided again.
bool Processor::answered_by_key(Slot& slot, Pending& p) {
  const Context& ctx = *p.ctx;
  if (ctx.idempotency_key.empty()) return false;
  std::optional<core::Result<Committed>> answer;
  {
    std::lock_guard state_lock(slot.state_mu);
    auto* r = find_key(slot.state, ctx.idempotency_scope, ctx.idempotency_key, ctx.now);
    if (!r) return false;
    if (r->request_hash != ctx.request_hash) {
      answer.emplace(core::make_error(core::errc::idempotency_key_reused,
                                      "this Idempotency-Key was used for a different request"));
    } else if (r->pending) {
      core::Error busy = core::make_error(core::errc::conflict, "the first request with this Idempotency-Key is still in flight");
      busy.retry_after_s = 1;
      answer.emplace(std::move(busy));
    } else if (r->refusal) {
      core::Error again = *r->refusal;
      again.replayed = true;
      answer.emplace(std::move(again));
    } else {
      answer.emplace(Committed{r->events, r->position, true});
    }
  }
  if (answer->ok() || answer->error().replayed) core::Metrics::global().counter_add("regent_idempotent_replays_total", {});
  p.reply(std::move(*answer));
  return true;
}

bool Processor::landed_valid(Slot& slot, int64_t first) {
  events::FenceState fence = slot.state.fence;
  slot.reader->assign({{slot.partition, slot.state.next_offset}});
  int64_t next = slot.state.next_offset;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  bool valid = true;
  try {
    while (valid && next < first) {
      if (Clock::now() > deadline) valid = false;
      for (const auto& m : slot.reader->poll(1000, std::chrono::milliseconds(100))) {
        if (!valid || m.partition != slot.partition || m.offset < next || m.offset >= first) continue;
        auto e = events::parse_envelope(m.value);
        if (e && events::admit(fence, *e) == events::Verdict::marker) valid = false;
        next = m.offset + 1;
      }
    }
  } catch (const events::LogTruncated& t) {
    // What came between is gone: a newer owner's marker may have been among it.
    logger.error("the records before a batch are no longer in the log; its commands are refused",
                 {{"partition", slot.partition}, {"error", t.what()}});
    valid = false;
  }
  slot.reader->pause();
  return valid;
}

void Processor::answer_all(Batch& batch, const core::Error& error) {
  for (Pending* p : batch.commands) p->reply(error);
}

void Processor::answer_unappended(Slot& slot, Batch& batch) {
  for (Pending* p : batch.commands) p->position = Position{slot.partition, slot.state.next_offset - 1};
  answer_settled(slot, batch);
}

// Makes this instance the partition's writer: re-reads the state if it may hold events the log
// lacks, catches up to the end, appends a marker and reads up to it. False when the log cannot be
// reached now, or (with `slot.fenced`) when a newer owner claimed the partition after this one did:
// only a new assignment makes an instance claim again, so two instances never take turns fencing
// each other. With `fail_fast`, commands are refused while it works rather than queued behind it.
bool Processor::take_over(Slot& slot, bool fail_fast) {
  if (Clock::now() < slot.unavailable_until) return false;
  auto set_unavailable_until = [&](Clock::time_point until) {
    std::lock_guard lock(slot.mu);
    slot.unavailable_until = until;
  };
  if (fail_fast) set_unavailable_until(Clock::time_point::max());
  try {
    // Ask the broker first: reading a partition from an unreachable log only waits and fails.
    if (!log_.reachable(1000)) throw std::runtime_error("the event log is unreachable");
    if (slot.stale) {
      load(slot);
    } else {
      int64_t end;
      end = slot.reader->end_offset(slot.partition, std::chrono::seconds(10));
      std::lock_guard state_lock(slot.state_mu);
      catch_up(slot, end);
    }
    slot.stale = false;
    if (slot.claimed_epoch != 0 && slot.state.fence.epoch > slot.claimed_epoch) {
      logger.warn("another writer claimed the partition; giving it up",
                  {{"partition", slot.partition}, {"writer_id", slot.state.fence.writer_id}});
      slot.fenced = true;
      set_unavailable_until({});
      return false;
    }
    claim(slot);
    {
      std::lock_guard lock(slot.mu);
      slot.claimed = true;
      slot.unavailable_until = {};
    }
    logger.info("partition claimed", {{"partition", slot.partition},
                                      {"epoch", slot.claimed_epoch},
                                      {"offset", slot.state.next_offset}});
    return true;
  } catch (const std::exception& ex) {
    logger.warn("claiming the partition failed", {{"partition", slot.partition}, {"error", ex.what()}});
    core::Metrics::global().counter_add("regent_command_reload_failures_total", {});
    set_unavailable_until(Clock::now() + options_.retry_after_failure);
    return false;
  }
}

}  // namespace regent::commands
