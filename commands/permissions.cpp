#include "commands/permissions.hpp"

#include "events/event_types.hpp"

namespace regent::commands {
namespace {
namespace types = events::types;
using enum PermissionAction;

constexpr PermissionTransition kTransitions[] = {
    {"pending", approve, "approved", types::permission_approved},
    {"pending", reject, "rejected", types::permission_rejected},
    {"approved", revoke, "revoked", types::permission_revoked},
    {"approved", expire, "expired", types::permission_expired},
};
}  // namespace

std::span<const PermissionTransition> permission_transitions() { return kTransitions; }

std::optional<PermissionTransition> permission_transition(std::string_view from, PermissionAction action) {
  for (const auto& t : kTransitions)
    if (t.from == from && t.action == action) return t;
  return std::nullopt;
}

std::string_view to_string(PermissionAction a) {
  switch (a) {
    case approve: return "approve";
    case reject: return "reject";
    case revoke: return "revoke";
    case expire: return "expire";
  }
  return "?";
}

bool is_permission_level(std::string_view level) {
  return level == "viewer" || level == "analyst" || level == "editor" || level == "admin";
}

bool valid_resource(std::string_view r) {
  if (r.size() > 500) return false;
  auto colon = r.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == r.size()) return false;
  for (char c : r.substr(0, colon))
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  for (char c : r.substr(colon + 1))
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
          c == '.' || c == '-'))
      return false;
  return true;
}

}  // namespace regent::commands
