#pragma once
// Who may do what: API.md's roles table, in one place. Handlers ask it before they parse a body (so
// a caller without the right learns nothing more), and `decide` asks it again against the state (a
// manager's reach stops at admins, a user's at its own wallet). tests/unit/policy_test.cpp reads the
// table out of API.md and checks every cell against this file.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace regent::commands {

enum class Action {
  read_own,            // own profile, own wallet, own permissions
  read_users,          // list and read users, and their wallets, transactions and activities
  write_users,         // create, update, deactivate and reactivate users; invitations
  assign_roles,        // assign and revoke roles
  request_permission,
  decide_permission,   // approve, reject or revoke a permission (never one's own request)
  credit_wallet,
  debit_wallet,        // and record an activity
  administer,          // tenant settings, API keys, webhooks
  read_audit,          // read and export the audit trail
  read_events,
  read_dashboard,
};

// How far an action reaches for one caller.
enum class Reach {
  none,        // refused
  own,         // on the caller's own user only
  non_admins,  // on any user who is not an admin (a manager's reach)
  any,
};

// Who acts: a user with its roles of now, or an API key with its scopes.
struct Grant {
  std::vector<std::string> roles;   // a user's; super_admin reaches everything in any tenant
  std::vector<std::string> scopes;  // an API key's
  bool api_key = false;
};

Reach reach(const Grant& g, Action a);
// The same without copying the caller's roles and scopes into a Grant (every request asks).
Reach reach(const std::vector<std::string>& roles, const std::vector<std::string>& scopes, bool api_key, Action a);
Reach role_reach(std::string_view role, Action a);  // one role's cell of the table

// The API-key scope that allows `a` (an API key has no "own": it reaches everything its scope
// allows); nullopt for what no key may do.
std::optional<std::string_view> scope_for(Action a);

// Every scope a key may be given.
const std::vector<std::string_view>& all_scopes();
bool is_scope(std::string_view s);

// Whether reach `r` extends to a target user whose roles are `target_roles` (`target_is_self`: the
// caller itself).
bool reaches(Reach r, bool target_is_self, const std::vector<std::string>& target_roles);

}  // namespace regent::commands
