#include "commands/decide.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/json.hpp"
#include "events/event_types.hpp"

namespace regent::commands {
namespace {
using core::errc;
namespace types = events::types;

bool has_role(const std::vector<std::string>& roles, std::string_view r) {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}

boost::json::object settings_json(const TenantSettings& s) {
  boost::json::object costs;
  for (const auto& [k, v] : s.activity_costs) costs[k] = v;
  return {{"currency", s.currency}, {"activity_costs", costs}, {"max_users", s.max_users}};
}

Draft user_created(const core::TenantId& tenant, const core::UserId& user, std::string_view email,
                   std::string_view full_name, std::string_view password_hash,
                   const std::vector<std::string>& roles, const std::string& parent) {
  boost::json::array role_list;
  for (const auto& r : roles) role_list.emplace_back(r);
  boost::json::object data{
      {"user_id", user.value},
      {"roles", role_list},
      {"parent_user_id", parent.empty() ? boost::json::value(nullptr) : boost::json::value(parent)},
      {"password_hash", password_hash},
      {"personal", boost::json::object{{"email", email}, {"full_name", full_name}}}};
  return Draft{std::string(types::user_created), "users/" + user.value, tenant, 1, core::to_json(data)};
}
}  // namespace

Decision decide(const PartitionState& s, const CreateTenant& c, const Context&) {
  if (s.tenant_by(c.slug)) return core::make_error(errc::slug_taken, "the slug " + c.slug + " is taken");
  TenantSettings settings;
  boost::json::object data{{"tenant_id", c.tenant_id.value},
                           {"name", c.name},
                           {"slug", c.slug},
                           {"settings", settings_json(settings)}};
  std::vector<Draft> out;
  out.push_back({std::string(types::tenant_created), "tenants/" + c.tenant_id.value, c.tenant_id, 1,
                 core::to_json(data)});
  out.push_back(user_created(c.tenant_id, c.admin_id, c.admin_email, c.admin_full_name,
                             c.admin_password_hash, c.admin_roles, ""));
  return out;
}

Decision decide(const PartitionState& s, const CreateUser& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  if (!t) return core::make_error(errc::not_found, "no such tenant");
  bool privileged = has_role(ctx.actor_roles, "admin") || has_role(ctx.actor_roles, "super_admin");
  if (!privileged && has_role(c.roles, "admin"))
    return core::make_error(errc::forbidden, "only an admin may create an admin");
  if (t->user_by(c.email))
    return core::make_error(errc::email_taken, "a user with this email already exists");
  if (static_cast<int64_t>(t->users.size()) >= t->settings.max_users)
    return core::make_error(errc::limit_reached,
                            "the tenant has reached its limit of " +
                                std::to_string(t->settings.max_users) + " users");
  if (!c.parent_user_id.empty()) {
    const UserState* parent = t->user(core::UserId{c.parent_user_id});
    core::Error bad{errc::validation_failed, "the request breaks the schema", {}};
    if (!parent) {
      bad.errors.push_back({"parent_user_id", "no such user in this tenant"});
      return bad;
    }
    if (parent->status != "active") {
      bad.errors.push_back({"parent_user_id", "is not active"});
      return bad;
    }
    if (!parent->parent_user_id.empty()) {
      bad.errors.push_back({"parent_user_id", "is itself a sub-user"});
      return bad;
    }
  }
  return std::vector<Draft>{user_created(c.tenant_id, c.user_id, c.email, c.full_name,
                                         c.password_hash, c.roles, c.parent_user_id)};
}

Decision decide(const PartitionState& s, const RecordLogin& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  const UserState* u = t ? t->user(c.user_id) : nullptr;
  if (!u || u->status != "active") return core::make_error(errc::unauthenticated, "invalid credentials");
  boost::json::object data{
      {"user_id", c.user_id.value},
      {"session_id", c.session_id},
      {"personal", boost::json::object{{"ip", ctx.ip}, {"user_agent", ctx.user_agent}}}};
  return std::vector<Draft>{{std::string(types::user_logged_in),
                             "users/" + c.user_id.value + "/sessions/" + c.session_id, c.tenant_id, 1,
                             core::to_json(data)}};
}

}  // namespace regent::commands
