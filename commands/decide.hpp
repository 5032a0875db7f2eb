#pragma once
// decide(state, command): the events a command produces against the current state, or the reason
// it is refused. Pure: no I/O, no clock, no randomness.
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "commands/state.hpp"
#include "core/result.hpp"

namespace regent::commands {

// An event before the processor stamps the envelope (id, time, actor, writer) onto it.
struct Draft {
  std::string type;
  std::string subject;
  core::TenantId tenant_id;
  int64_t sequence = 1;
  std::string data;  // JSON object
};

using Decision = core::Result<std::vector<Draft>>;

Decision decide(const PartitionState& s, const CreateTenant& c, const Context& ctx);
Decision decide(const PartitionState& s, const CreateUser& c, const Context& ctx);
Decision decide(const PartitionState& s, const RecordLogin& c, const Context& ctx);
// Deactivating an active user or reactivating a deactivated one; anything else is 409
// invalid_transition. Managers act on non-admins only; nobody deactivates themselves.
Decision decide(const PartitionState& s, const SetUserActive& c, const Context& ctx);
// A spent refresh token presented again decides session.revoked: the caller answers 401 for it.
Decision decide(const PartitionState& s, const RefreshSession& c, const Context& ctx);
Decision decide(const PartitionState& s, const EndSession& c, const Context& ctx);
Decision decide(const PartitionState& s, const CreditWallet& c, const Context& ctx);
Decision decide(const PartitionState& s, const DebitWallet& c, const Context& ctx);
Decision decide(const PartitionState& s, const RecordActivity& c, const Context& ctx);
// An empty decision means nothing would change.
Decision decide(const PartitionState& s, const ChangeTenant& c, const Context& ctx);

// Settings as events and responses carry them.
boost::json::object settings_json(const TenantSettings& s);

}  // namespace regent::commands
