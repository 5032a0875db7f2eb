#include "commands/processor_parts.hpp"

namespace regent::commands {
namespace {
const core::Logger logger("commands");
}  // namespace
using namespace processing;

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

core::Result<std::string> Processor::serialise(const Draft& d, const Context& ctx, events::Envelope& e,
                                              Slot& slot) const {
  e.id = core::uuid_v7();
  if (events::has_personal(d.data)) {
    auto sealed = events::seal_personal(d.data, e.id, options_.data_key);
    if (!sealed) {
      logger.warn("no data key at hand to seal an event's personal fields", {{"type", d.type}});
      return unavailable("the user's data key is not at hand; retry");
    }
    e.data = std::move(*sealed);
  } else {
    e.data = d.data;
  }
  e.source = "/tenants/" + d.tenant_id.value;
  e.type = d.type;
  e.subject = d.subject;
  e.time = core::format_rfc3339(ctx.now);
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
  e.ip = ctx.ip;
  e.user_agent = ctx.user_agent;
  if (auto owner = events::origin_owner(e); owner && (!e.ip.empty() || !e.user_agent.empty())) {
    auto key = options_.data_key ? options_.data_key(*owner) : std::nullopt;
    if (!key) {
      logger.warn("no data key at hand to seal a request's origin", {{"type", d.type}});
      return unavailable("the acting user's data key is not at hand; retry");
    }
    events::seal_origin(e, *key);
  }
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
    std::optional<core::Error> refusal;
    for (const auto& d : decision.value()) {
      events::Envelope e;
      auto serialised = serialise(d, *p->ctx, e, slot);
      if (!serialised) {
        refusal = serialised.error();
        break;
      }
      std::string json = std::move(serialised.value());
      // A command that would append an invalid event is a bug: refuse it whole.
      if (auto errors = events::validate_event_json(json); !errors.empty()) {
        logger.error("event breaks its schema", {{"type", d.type}, {"field", errors.front().field},
                                                 {"problem", errors.front().message}});
        refusal = core::make_error(core::errc::internal, "internal error");
        break;
      }
      records.push_back(events::make_record(d.tenant_id.value, e.type, e.id, e.tenant_id, std::move(json)));
      envelopes.push_back(std::move(e));
    }
    if (refusal) {
      slot.chain = chain_before;
      p->refusal = std::move(refusal);
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

}  // namespace regent::commands
