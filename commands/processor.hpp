#pragma once
// The command processor (DESIGN.md decision 2): it keeps every partition's tenants' state in
// memory (rebuilt from the log at start), writes to the partitions it is given (claiming each with an
// owner.claimed marker), and follows the others from the log, so that it knows their tenants, their
// current owner and where that owner takes requests, and can take one over at once.
//
// Each partition has a worker thread and a bounded queue. Commands are decided against the state
// as it will be once everything already decided is appended (pipelining): several batches may be
// in flight, and every command decided meanwhile goes into the next one (group commit), so one
// round trip to the broker carries many commands. Each event names the writer's previous one
// (events/fence.hpp), so if a batch fails, whatever of the later ones still lands is rejected by
// every reader. A command is answered only after the broker acknowledged its
// batch, and the batch landed right after the last one this writer knows of (or, if something came
// between, only when no newer owner's marker did). If a batch fails, so does every command decided
// on top of it, and the partition's state is reloaded from the log before it decides again.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "commands/commands.hpp"
#include "commands/decide.hpp"
#include "commands/position.hpp"
#include "commands/state.hpp"
#include "core/result.hpp"
#include "events/envelope.hpp"
#include "events/kafka_handles.hpp"

namespace regent::events {
class EventLog;
class LogReader;
}  // namespace regent::events

namespace regent::commands {

class SnapshotStore;

struct Committed {
  std::vector<events::Envelope> events;  // empty when the command changed nothing
  Position position;                      // of the command's last event, or what it observed
  bool replayed = false;                  // the answer to an earlier request with the same key
};

// Who writes to a partition now, as far as this instance knows.
struct Owner {
  bool local = false;     // this instance: decide here
  std::string writer_id;  // otherwise the last valid marker's writer (empty: none yet)
  std::string url;        // and where it takes requests (empty: unknown)
};

struct ProcessorOptions {
  size_t max_queue = 4096;            // commands waiting per partition; past it, 503 at once
  size_t max_batch_commands = 1000;   // per append
  size_t max_batch_bytes = 512 * 1024;
  size_t max_in_flight = 2;           // appends in flight per partition (each event names its predecessor)
  std::chrono::milliseconds retry_after_failure{1000};  // fail fast this long after the log failed
  SnapshotStore* snapshots = nullptr;  // where partitions' states are saved, if anywhere
  // A snapshot of a partition is due after `snapshot_every` events and once the events since the
  // last one would take about as long to replay as that snapshot takes to load: one event per
  // `snapshot_bytes_per_event` bytes of it (bench/startup measured 114-189). Start-up then takes
  // at most about two snapshot loads, and saving costs the same few microseconds an event whatever
  // the state's size.
  int64_t snapshot_every = 1'000;
  int64_t snapshot_bytes_per_event = 150;
  // The data key of a user (events/personal_fields.hpp) if this process holds it already: called on
  // the writer's thread, so it does no I/O (the handler fetched it before submitting). A command
  // whose events have personal fields and whose key is not at hand is refused with 503.
  std::function<std::optional<std::string>(const std::string& user_id)> data_key;
};

class Processor {
 public:
  Processor(events::EventLog& log, std::string writer_id, ProcessorOptions options = {});
  ~Processor();

  // Rebuilds every partition from the log (snapshot + tail) and follows them all. Throws when the
  // log is unreachable.
  void start();
  // Where this instance's markers say it takes requests (before the first acquire).
  void set_url(std::string url) { url_ = std::move(url); }
  // Starts writing to `partitions`: each one's worker claims it, then decides. Returns at once;
  // commands sent meanwhile wait for the claim.
  void acquire(const std::vector<int32_t>& partitions);
  // Writes to every partition: the only writer there is (`dev`, tests). Throws if a claim fails.
  void acquire_all();
  // Stops writing to `partitions`: new commands are refused, those already taken are decided and
  // answered, and the partitions are followed again. Returns when nothing of them is in flight.
  void release(const std::vector<int32_t>& partitions);
  // Waits until every partition acquired has been claimed; false at the timeout.
  bool wait_claimed(std::chrono::milliseconds timeout) const;
  // Answers what is queued with 503 and waits for the batches in flight. Idempotent.
  void stop();
  Owner owner_of(int32_t partition) const;
  const std::string& writer_id() const { return writer_id_; }
  bool ready() const { return ready_; }
  int64_t events_read_at_start() const { return events_read_at_start_; }  // beyond any snapshot

  int32_t partitions() const;
  int32_t partition_of(const core::TenantId& tenant) const;
  int32_t partition_of_slug(std::string_view slug) const;

  // A new tenant id that lands in the same partition as `slug`: every tenant with a given slug is
  // then decided by one writer, which makes slugs unique across the whole log.
  core::TenantId new_tenant_id(std::string_view slug) const;

  // Runs on the partition's worker, against its state; no I/O, and quick.
  using Decider = std::function<Decision(const PartitionState&)>;
  core::Result<Committed> execute(int32_t partition, const Context& ctx, Decider decide);

  // decide(state, command) on the partition's state, then append: the usual way in.
  template <class Command>
  core::Result<Committed> submit(int32_t partition, const Command& command, const Context& ctx) {
    return execute(partition, ctx, [&](const PartitionState& s) { return decide(s, command, ctx); });
  }

  // Runs `f` on a consistent view of a partition's state (short lookups only). The view includes
  // commands decided but not yet acknowledged; anything that depends on them is itself decided
  // after them and fails with them.
  void read(int32_t partition, const std::function<void(const PartitionState&)>& f) const;

 private:
  struct Slot;
  struct Pending;
  struct Batch;
  void run(Slot& slot);
  bool claim_first(Slot& slot);
  void leave(Slot& slot, const core::Error& why);
  void follow();
  void decide_into(Slot& slot, std::vector<Pending*>& taken, Batch& next, bool releasing);
  bool answered_by_key(Slot& slot, Pending& p);
  void answer_settled(Slot& slot, Batch& batch);
  void send(Slot& slot, Batch& batch);
  // Answers a batch from its acknowledgement. When it failed or cannot stand, says why: the caller
  // then fails everything decided on top of it with the same error.
  std::optional<core::Error> complete(Slot& slot, Batch& batch, const core::Result<std::vector<int64_t>>& offsets);
  bool landed_valid(Slot& slot, int64_t first);
  void answer_all(Batch& batch, const core::Error& error);
  void answer_unappended(Slot& slot, Batch& batch);  // refusals and no-ops of a batch with no events
  void load(Slot& slot);
  bool load_snapshot(Slot& slot, int64_t end, int64_t earliest, std::string& why_not);
  bool log_continues(Slot& slot, const PartitionState& state, int64_t end);
  std::optional<events::Message> record_at(Slot& slot, int64_t offset);
  bool log_has(Slot& slot, int64_t offset, const std::string& event_id);
  void maybe_snapshot(Slot& slot, bool force);
  bool snapshot_due(const Slot& slot) const;
  int64_t snapshot_interval(const Slot& slot) const;
  void claim(Slot& slot);
  void catch_up(Slot& slot, int64_t until);
  bool take_over(Slot& slot, bool fail_fast);
  // The event as it goes to the log, personal fields sealed; an error when the key to seal them
  // with is not at hand.
  core::Result<std::string> serialise(const Draft& d, const Context& ctx, events::Envelope& out, Slot& slot) const;

  events::EventLog& log_;
  std::string writer_id_;
  ProcessorOptions options_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::string url_;
  // The follower: one thread reading every partition this instance does not write to.
  std::thread follower_;
  std::mutex follow_mu_;  // held while it applies events or reloads a partition
  std::condition_variable follow_cv_;
  bool follow_stop_ = false;  // under follow_mu_
  std::atomic<bool> ready_{false};
  int64_t events_read_at_start_ = 0;
};

}  // namespace regent::commands
