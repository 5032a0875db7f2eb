// A partition's state, loaded from the log and the snapshots, and the snapshots saved of it.
#include "commands/processor_parts.hpp"

namespace regent::commands {
namespace {
const core::Logger logger("commands");
}  // namespace
using namespace processing;

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

}  // namespace regent::commands
