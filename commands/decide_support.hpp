#pragma once
// What the decide_*.cpp files share: refusals, the policy asked of a command's actor, and the
// user.created draft (a sign-up, a new user and an accepted invitation all make one).
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "commands/commands.hpp"
#include "commands/decide.hpp"
#include "commands/policy.hpp"
#include "core/errc.hpp"

namespace regent::commands::detail {

inline Reach reach_of(const Context& ctx, Action a) {
  return reach(ctx.actor_roles, ctx.actor_scopes, ctx.actor_type == "api_key", a);
}

// Whether the command's actor may do `a` to the user `target` (its own self, or one its reach
// covers); the refusal to answer otherwise.
bool may(const Context& ctx, Action a, const UserState& target);
bool may(const Context& ctx, Action a);  // to anyone at all
core::Error refused(std::string message);

inline bool has_role(const std::vector<std::string>& roles, std::string_view r) {
  for (const auto& x : roles)
    if (x == r) return true;
  return false;
}

inline boost::json::value nullable(const std::string& s) {
  return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
}

core::Error version_mismatch(int64_t current);
core::Error out_of_bounds(std::string_view field, std::string message);  // 422 naming one field

Draft user_created(const core::TenantId& tenant, const core::UserId& user, std::string_view email,
                   std::string_view full_name, std::string_view password_hash, const std::vector<std::string>& roles,
                   const std::string& parent, std::string_view currency);

// A user leaving (deactivated, later erased): its pending requests rejected and its approved
// permissions revoked, each with `reason`, as the events that say so.
std::vector<Draft> close_permissions(const TenantState& t, const UserState& u, const std::string& reason);

// The refusal of a new user (or an invitation) that would take the tenant past max_users, counting
// pending invitations; nullopt when there is room.
std::optional<core::Error> over_user_limit(const TenantState& t, int64_t now, int64_t adding_pending);

}  // namespace regent::commands::detail
