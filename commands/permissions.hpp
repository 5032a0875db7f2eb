#pragma once
// How a permission's status moves: API.md's rules as one table. `decide` moves only along it, and
// tests/unit/permissions_test.cpp walks every (status, action) pair against API.md's wording.
#include <optional>
#include <span>
#include <string_view>

#include "commands/commands.hpp"

namespace regent::commands {

struct PermissionTransition {
  std::string_view from;
  PermissionAction action;
  std::string_view to;
  std::string_view event;  // the event type that records it: "permission." + to (readers rely on it)
};

// Every move there is; any other (status, action) pair is 409 invalid_transition.
std::span<const PermissionTransition> permission_transitions();
std::optional<PermissionTransition> permission_transition(std::string_view from, PermissionAction action);

inline constexpr std::string_view kPermissionStatuses[] = {"pending", "approved", "rejected", "revoked", "expired"};
inline constexpr PermissionAction kPermissionActions[] = {PermissionAction::approve, PermissionAction::reject,
                                                          PermissionAction::revoke, PermissionAction::expire};
std::string_view to_string(PermissionAction a);

// The status a permission.* event other than permission.requested leaves: its type's last word.
inline std::string_view status_after(std::string_view event_type) {
  return event_type.substr(event_type.find('.') + 1);
}

bool is_permission_level(std::string_view level);  // viewer, analyst, editor, admin
bool valid_resource(std::string_view resource);    // ^[a-z0-9]+:[A-Za-z0-9/_.-]+$, at most 500 characters

}  // namespace regent::commands
