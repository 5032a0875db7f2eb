#pragma once
// The command processor (DESIGN.md decision 2): it owns partitions, keeps their tenants' state in
// memory (rebuilt from the log at start), claims each with an owner.claimed marker, and decides one
// command at a time per partition. A command is answered only after Kafka acknowledged its events;
// reads of the state (authentication, lookups) never wait for that acknowledgement.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "commands/decide.hpp"
#include "commands/position.hpp"
#include "commands/state.hpp"
#include "core/result.hpp"
#include "events/envelope.hpp"

namespace regent::events {
class EventLog;
class LogReader;
}  // namespace regent::events

namespace regent::commands {

struct Committed {
  std::vector<events::Envelope> events;
  Position position;  // of the last event
};

class Processor {
 public:
  Processor(events::EventLog& log, std::string writer_id);
  ~Processor();

  // Rebuilds every partition from the log, then claims it. Throws when the log is unreachable.
  void start();
  bool ready() const { return ready_; }

  int32_t partitions() const;
  int32_t partition_of(const core::TenantId& tenant) const;
  int32_t partition_of_slug(std::string_view slug) const;

  // A new tenant id that lands in the same partition as `slug`: every tenant with a given slug is
  // then decided by one writer, which makes slugs unique across the whole log.
  core::TenantId new_tenant_id(std::string_view slug) const;

  using Decider = std::function<Decision(const PartitionState&)>;
  core::Result<Committed> execute(int32_t partition, const Context& ctx, const Decider& decide);

  // decide(state, command) on the partition's state, then append: the usual way in.
  template <class Command>
  core::Result<Committed> submit(int32_t partition, const Command& command, const Context& ctx) {
    return execute(partition, ctx, [&](const PartitionState& s) { return decide(s, command, ctx); });
  }

  // Runs `f` on a consistent view of a partition's state (short lookups only).
  void read(int32_t partition, const std::function<void(const PartitionState&)>& f) const;

 private:
  struct Slot;
  void load(std::vector<int32_t> partitions);
  void claim(int32_t partition);
  void catch_up(Slot& slot, int64_t until);
  std::string serialise(const Draft& d, const Context& ctx, events::Envelope& out, const Slot& slot) const;

  events::EventLog& log_;
  std::string writer_id_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::unique_ptr<events::LogReader> reader_;
  std::mutex reader_mu_;
  bool ready_ = false;
};

}  // namespace regent::commands
