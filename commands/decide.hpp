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
// Only what differs from the user as it is changes; nothing at all is an empty decision.
Decision decide(const PartitionState& s, const UpdateUser& c, const Context& ctx);
Decision decide(const PartitionState& s, const EraseUser& c, const Context& ctx);
// Assigning a role the user has, or revoking one it lacks, is an empty decision. A user keeps one
// role at least, and a tenant one active admin.
Decision decide(const PartitionState& s, const ChangeRole& c, const Context& ctx);
// Pending invitations count against max_users; an email with a user or a pending invitation is
// 409 email_taken. Accepting appends invitation.accepted and the user's user.created.
Decision decide(const PartitionState& s, const CreateInvitation& c, const Context& ctx);
Decision decide(const PartitionState& s, const AcceptInvitation& c, const Context& ctx);
Decision decide(const PartitionState& s, const RevokeInvitation& c, const Context& ctx);
// A key creating a key grants no scope it lacks. Revoking a revoked key is an empty decision.
Decision decide(const PartitionState& s, const CreateApiKey& c, const Context& ctx);
Decision decide(const PartitionState& s, const RevokeApiKey& c, const Context& ctx);
// Empty unless the key's last recorded use is a minute old or more.
Decision decide(const PartitionState& s, const RecordKeyUse& c, const Context& ctx);
// A spent refresh token presented again decides session.revoked: the caller answers 401 for it.
Decision decide(const PartitionState& s, const RefreshSession& c, const Context& ctx);
Decision decide(const PartitionState& s, const EndSession& c, const Context& ctx);
Decision decide(const PartitionState& s, const CreditWallet& c, const Context& ctx);
Decision decide(const PartitionState& s, const DebitWallet& c, const Context& ctx);
Decision decide(const PartitionState& s, const RecordActivity& c, const Context& ctx);
// An empty decision means nothing would change.
Decision decide(const PartitionState& s, const ChangeTenant& c, const Context& ctx);
// For oneself, or (managing users) for another active user; one pending or approved permission per
// user, resource and level.
Decision decide(const PartitionState& s, const RequestPermission& c, const Context& ctx);
// Along commands/permissions.hpp's table only (409 invalid_transition otherwise); nobody decides
// on a permission of their own or one they asked for (403); expiring (the scheduler, actor
// "system") only once expires_at has passed.
Decision decide(const PartitionState& s, const DecidePermission& c, const Context& ctx);

// Settings as events and responses carry them.
boost::json::object settings_json(const TenantSettings& s);

}  // namespace regent::commands
