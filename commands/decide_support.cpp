#include "commands/decide_support.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/blind_index.hpp"
#include "core/json.hpp"
#include "events/event_types.hpp"

namespace regent::commands::detail {

bool may(const Context& ctx, Action a, const UserState& target) {
  return reaches(reach_of(ctx, a), !ctx.actor_id.empty() && ctx.actor_id == target.id.value, target.roles);
}

bool may(const Context& ctx, Action a) { return reach_of(ctx, a) != Reach::none; }

core::Error refused(std::string message) { return core::make_error(core::errc::forbidden, std::move(message)); }

core::Error version_mismatch(int64_t current) {
  return core::make_error(core::errc::version_mismatch, "the current version is " + std::to_string(current));
}

core::Error out_of_bounds(std::string_view field, std::string message) {
  return core::Error{core::errc::validation_failed, "the request breaks the schema", {{std::string(field), std::move(message)}}};
}

Draft user_created(const core::TenantId& tenant, const core::UserId& user, std::string_view email,
                   std::string_view full_name, std::string_view password_hash, const std::vector<std::string>& roles,
                   const std::string& parent, std::string_view currency) {
  boost::json::array role_list;
  for (const auto& r : roles) role_list.emplace_back(r);
  boost::json::object data{{"user_id", user.value},
                           {"roles", role_list},
                           {"parent_user_id", nullable(parent)},
                           {"password_hash", password_hash},
                           {"email_index", core::email_index(email)},
                           {"wallet", boost::json::object{{"currency", currency}}},
                           {"personal", boost::json::object{{"email", email}, {"full_name", full_name}}}};
  return Draft{std::string(events::types::user_created), "users/" + user.value, tenant, 1, core::to_json(data)};
}

std::optional<core::Error> over_user_limit(const TenantState& t, int64_t now, int64_t adding_pending) {
  int64_t users = static_cast<int64_t>(t.users.size());
  // Every user creation asks: count the pending invitations only when they could matter.
  if (users + static_cast<int64_t>(t.invitations.size()) + 1 - adding_pending <= t.settings.max_users) return std::nullopt;
  int64_t pending = t.pending_invitations(now);
  if (users + pending + 1 - adding_pending <= t.settings.max_users) return std::nullopt;
  std::string detail = "the tenant has reached its limit of " + std::to_string(t.settings.max_users) + " users";
  if (pending > 0) detail += " (counting " + std::to_string(pending) + " pending invitations)";
  return core::make_error(core::errc::limit_reached, detail);
}

}  // namespace regent::commands::detail
