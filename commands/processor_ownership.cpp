// Claiming, following and handing over partitions (DESIGN.md decision 2).
#include "commands/processor_parts.hpp"

namespace regent::commands {
namespace {
const core::Logger logger("commands");
}  // namespace
using namespace processing;

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
