#include "commands/policy.hpp"

#include <algorithm>

namespace regent::commands {
namespace {
bool holds(const std::vector<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}
}  // namespace

Reach role_reach(std::string_view role, Action a) {
  using enum Action;
  if (role == "super_admin") return Reach::any;
  bool admin = role == "admin", manager = role == "manager", analyst = role == "analyst",
       viewer = role == "viewer";
  bool member = admin || manager || analyst || viewer;
  switch (a) {
    case read_own:
    case request_permission: return member ? Reach::any : Reach::none;
    case read_users:
    case read_dashboard: return admin || manager || analyst ? Reach::any : Reach::none;
    case write_users: return admin ? Reach::any : manager ? Reach::non_admins : Reach::none;
    case decide_permission: return admin || manager ? Reach::any : Reach::none;
    case assign_roles:
    case credit_wallet:
    case administer: return admin ? Reach::any : Reach::none;
    case debit_wallet: return admin ? Reach::any : member ? Reach::own : Reach::none;
    case read_audit:
    case read_events: return admin || analyst ? Reach::any : Reach::none;
  }
  return Reach::none;
}

std::optional<std::string_view> scope_for(Action a) {
  using enum Action;
  switch (a) {
    case read_own: return std::nullopt;
    case read_users: return "users:read";
    case write_users:
    case assign_roles: return "users:write";
    case request_permission:
    case decide_permission: return "permissions:write";
    case credit_wallet:
    case debit_wallet: return "wallets:write";
    case administer: return "admin";
    case read_audit: return "audit:read";
    case read_events: return "events:read";
    case read_dashboard: return "dashboard:read";
  }
  return std::nullopt;
}

const std::vector<std::string_view>& all_scopes() {
  static const std::vector<std::string_view> scopes = {"users:read",  "users:write", "permissions:write",
                                                       "wallets:write", "admin",     "audit:read",
                                                       "events:read", "dashboard:read"};
  return scopes;
}

bool is_scope(std::string_view s) {
  const auto& all = all_scopes();
  return std::find(all.begin(), all.end(), s) != all.end();
}

Reach reach(const std::vector<std::string>& roles, const std::vector<std::string>& scopes, bool api_key, Action a) {
  if (api_key) {
    auto scope = scope_for(a);
    return scope && holds(scopes, *scope) ? Reach::any : Reach::none;
  }
  Reach best = Reach::none;
  for (const auto& role : roles) best = std::max(best, role_reach(role, a));
  return best;
}

Reach reach(const Grant& g, Action a) { return reach(g.roles, g.scopes, g.api_key, a); }

bool reaches(Reach r, bool target_is_self, const std::vector<std::string>& target_roles) {
  switch (r) {
    case Reach::none: return false;
    case Reach::own: return target_is_self;
    case Reach::non_admins: return !holds(target_roles, "admin") && !holds(target_roles, "super_admin");
    case Reach::any: return true;
  }
  return false;
}

}  // namespace regent::commands
