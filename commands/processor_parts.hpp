#pragma once
// The command processor's own parts, shared by its files only (processor.cpp: the write path;
// processor_state.cpp: loading state from the log and snapshots; processor_ownership.cpp: claiming,
// following and handing over partitions). Nothing else includes this.
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
#include "events/personal_fields.hpp"
#include "events/schemas.hpp"

namespace regent::commands {
namespace processing {
using Clock = std::chrono::steady_clock;

inline core::Error unavailable(std::string detail) { return core::make_error(core::errc::unavailable, std::move(detail)); }

inline core::Error not_owner() {
  core::Error e = unavailable("this server does not write to the tenant's partition right now; retry");
  e.retry_after_s = 1;
  return e;
}

// 1 where this instance writes to the partition, 0 where it follows it.
inline void publish_owned(int32_t partition, bool owned) {
  core::Metrics::global().gauge_set("regent_command_partition_owned", {{"partition", std::to_string(partition)}},
                                    owned ? 1.0 : 0.0);
}

// Applies the record at s.next_offset the way every reader does: valid events change the state,
// anything else is skipped (DESIGN.md decision 2).
inline void apply_message(PartitionState& s, const events::Message& m) {
  auto e = events::parse_envelope(m.value);
  if (e && events::admit(s.fence, *e) == events::Verdict::valid) {
    evolve(s, *e);
    remember_key(s, *e, Position{s.partition, m.offset});
  }
  s.next_offset = m.offset + 1;
  s.last_event_id = e ? e->id : std::string();
}
}  // namespace processing

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
  std::chrono::steady_clock::time_point unavailable_until{};
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

}  // namespace regent::commands
