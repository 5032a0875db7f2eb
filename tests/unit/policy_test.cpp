// The roles table of API.md, read out of API.md itself and checked cell by cell against
// commands/policy: each role's column and the API-key scope column, allowed and refused.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "commands/policy.hpp"

using regent::commands::Action;
using regent::commands::Grant;
using regent::commands::Reach;

namespace {
std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line.substr(1));
  std::string cell;
  while (std::getline(in, cell, '|')) out.push_back(trim(cell));
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

// The table under "## Roles": header row, then one row per action.
std::vector<std::vector<std::string>> roles_table() {
  std::ifstream file(REGENT_API_MD);
  REQUIRE_MESSAGE(file.good(), "API.md is read from " REGENT_API_MD);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  bool in_section = false;
  while (std::getline(file, line)) {
    if (line.rfind("## ", 0) == 0) in_section = line == "## Roles";
    if (!in_section || line.rfind("|", 0) != 0 || line.rfind("|---", 0) == 0) continue;
    rows.push_back(cells(line));
  }
  return rows;
}

// Which of the policy's actions each row of the table is (a row can hold several).
const std::map<std::string, std::vector<Action>> kRows = {
    {"read own profile, own wallet, own permissions", {Action::read_own}},
    {"list/read users", {Action::read_users}},
    {"create/update/deactivate users, invitations", {Action::write_users}},
    {"assign/revoke roles", {Action::assign_roles}},
    {"request a permission", {Action::request_permission}},
    {"approve/reject/revoke a permission (never one's own request)", {Action::decide_permission}},
    {"credit a wallet", {Action::credit_wallet}},
    {"debit a wallet, record an activity", {Action::debit_wallet}},
    {"tenant settings, API keys, webhooks", {Action::administer}},
    {"read audit, export audit, read events", {Action::read_audit, Action::read_events}},
    {"dashboard", {Action::read_dashboard}},
};

// A role's cell as the policy's reach.
Reach cell_reach(const std::string& cell) {
  if (cell.empty()) return Reach::none;
  if (cell == "✓" || cell == "✓ own or any") return Reach::any;
  if (cell == "✓ (not admins)") return Reach::non_admins;
  if (cell == "own") return Reach::own;
  FAIL("a cell this test does not know: " << cell);
  return Reach::none;
}

// The scope cell: "`users:read`", "`audit:read`, `events:read`", or "—".
std::set<std::string> cell_scopes(const std::string& cell) {
  std::set<std::string> out;
  for (size_t at = cell.find('`'); at != std::string::npos; at = cell.find('`', at + 1)) {
    size_t end = cell.find('`', at + 1);
    out.insert(cell.substr(at + 1, end - at - 1));
    at = end;
  }
  return out;
}
}  // namespace

TEST_CASE("every cell of API.md's roles table is what the policy decides") {
  auto rows = roles_table();
  REQUIRE(rows.size() == kRows.size() + 1);
  const auto& header = rows.front();
  REQUIRE(header == std::vector<std::string>{"action", "admin", "manager", "analyst", "viewer", "API key scope"});
  std::set<std::string> seen_scopes;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    REQUIRE(row.size() >= 5);
    auto found = kRows.find(row[0]);
    REQUIRE_MESSAGE(found != kRows.end(), "a row the policy does not know: " << row[0]);
    std::string scope_cell = row.size() > 5 ? row[5] : "";
    auto scopes = cell_scopes(scope_cell);
    std::set<std::string> policy_scopes;
    for (Action a : found->second) {
      for (size_t c = 1; c <= 4; ++c) {
        CAPTURE(row[0]);
        CAPTURE(header[c]);
        CHECK(regent::commands::role_reach(header[c], a) == cell_reach(row[c]));
      }
      // super_admin acts as an admin in any tenant, and more.
      CHECK(regent::commands::role_reach("super_admin", a) == Reach::any);
      CHECK(regent::commands::role_reach("nobody", a) == Reach::none);
      if (auto s = regent::commands::scope_for(a)) policy_scopes.insert(std::string(*s));
      // Column by column for keys: a key holding exactly one scope reaches the action only when
      // that scope is the action's; a key with every other scope does not.
      for (auto scope : regent::commands::all_scopes()) {
        Grant one{{}, {std::string(scope)}, true};
        bool allowed = regent::commands::scope_for(a) == scope;
        CAPTURE(row[0]);
        CAPTURE(scope);
        CHECK((regent::commands::reach(one, a) == Reach::any) == allowed);
      }
      Grant all_but{{}, {}, true};
      for (auto scope : regent::commands::all_scopes())
        if (regent::commands::scope_for(a) != scope) all_but.scopes.emplace_back(scope);
      CHECK(regent::commands::reach(all_but, a) == Reach::none);
      // A key's roles count for nothing, and a user's scopes for nothing.
      CHECK(regent::commands::reach(Grant{{"admin"}, {}, true}, a) == Reach::none);
      CHECK(regent::commands::reach(Grant{{}, {std::string(regent::commands::scope_for(a).value_or("admin"))}, false}, a) ==
            Reach::none);
    }
    CHECK_MESSAGE(scopes == policy_scopes, row[0] << ": API.md says " << scope_cell);
    seen_scopes.insert(scopes.begin(), scopes.end());
  }
  std::set<std::string> all(regent::commands::all_scopes().begin(), regent::commands::all_scopes().end());
  CHECK(seen_scopes == all);
}

TEST_CASE("a user's reach is the widest of its roles'") {
  Grant g{{"viewer", "manager"}, {}, false};
  CHECK(regent::commands::reach(g, Action::write_users) == Reach::non_admins);
  CHECK(regent::commands::reach(g, Action::debit_wallet) == Reach::own);
  g.roles.push_back("admin");
  CHECK(regent::commands::reach(g, Action::write_users) == Reach::any);
  CHECK(regent::commands::reaches(Reach::non_admins, false, {"viewer"}));
  CHECK_FALSE(regent::commands::reaches(Reach::non_admins, false, {"viewer", "admin"}));
  CHECK(regent::commands::reaches(Reach::own, true, {"admin"}));
  CHECK_FALSE(regent::commands::reaches(Reach::own, false, {"viewer"}));
  CHECK_FALSE(regent::commands::reaches(Reach::none, true, {}));
}
