// Permission requests: asked for by or for a user, decided by an approver who is neither the user
// nor the one who asked, expired by the scheduler once due (commands/permissions.hpp: the table).
#include <algorithm>
#include <boost/json/object.hpp>

#include "commands/decide.hpp"
#include "commands/decide_support.hpp"
#include "commands/permissions.hpp"
#include "core/json.hpp"
#include "events/event_types.hpp"

namespace regent::commands {
namespace {
using core::errc;
namespace types = events::types;
using namespace detail;

// Every permission event names the permission, its user, resource and level, so that a subscriber
// granting real access needs nothing but the event. Free text about a person travels in `personal`.
Draft permission_event(std::string_view type, const core::TenantId& tenant, const PermissionState& p,
                       boost::json::object data) {
  data["permission_id"] = p.id;
  data["user_id"] = p.user_id.value;
  data["resource"] = p.resource;
  data["level"] = p.level;
  return {std::string(type), "permissions/" + p.id, tenant, p.version + 1, core::to_json(data)};
}

boost::json::value time_or_null(int64_t ms) {
  return ms ? boost::json::value(core::format_rfc3339(ms)) : boost::json::value(nullptr);
}

boost::json::object personal_reason(const std::string& reason) {
  return reason.empty() ? boost::json::object{} : boost::json::object{{"personal", {{"reason", reason}}}};
}

core::Error no_permission() { return core::make_error(errc::not_found, "no such permission"); }

// What may move to where, said from the table: "only a pending permission can be approved".
std::string only_from(PermissionAction a) {
  std::string from, to;
  for (const auto& t : permission_transitions())
    if (t.action == a) from += (from.empty() ? "" : " or ") + std::string(t.from), to = t.to;
  return "only " + (from.empty() ? std::string("no") : from) + " permission can be " + to;
}
}  // namespace

Decision decide(const PartitionState& s, const RequestPermission& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  if (!t) return core::make_error(errc::not_found, "no such tenant");
  if (!may(ctx, Action::request_permission))
    return refused("requesting permissions needs a role in the tenant or the permissions:write scope");
  const UserState* u = t->user(c.user_id);
  if (!u || u->status == "erased") return core::make_error(errc::not_found, "no such user");
  bool self = ctx.actor_type == "user" && ctx.actor_id == u->id.value;
  // For someone else: a user needs the reach of managing users (a manager's stops at admins); an
  // API key's permissions:write reaches every user.
  if (!self && ctx.actor_type == "user" && !may(ctx, Action::write_users, *u))
    return refused("requesting a permission for another user needs the admin or manager role (a manager not for an admin)");
  if (u->status != "active") return core::make_error(errc::conflict, "the user is " + u->status);
  if (c.expires_at != 0 && c.expires_at <= ctx.now) return out_of_bounds("expires_at", "must be in the future");
  for (const auto& [id, p] : t->permissions)
    if (p.user_id == u->id && p.resource == c.resource && p.level == c.level &&
        (p.status == "pending" || p.status == "approved"))
      return core::make_error(errc::conflict, "the user already has a " + p.status + " permission " + id +
                                                  " for this resource and level");
  PermissionState fresh;
  fresh.id = c.permission_id;
  fresh.user_id = u->id;
  fresh.resource = c.resource;
  fresh.level = c.level;
  fresh.version = 0;
  boost::json::object data = personal_reason(c.reason);
  data["expires_at"] = time_or_null(c.expires_at);
  return std::vector<Draft>{permission_event(types::permission_requested, c.tenant_id, fresh, std::move(data))};
}

Decision decide(const PartitionState& s, const DecidePermission& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  const PermissionState* p = t ? t->permission(c.permission_id) : nullptr;
  if (!p) return no_permission();
  bool system = ctx.actor_type == "system";
  if (!system && !may(ctx, Action::decide_permission))
    return refused("deciding permissions needs the admin or manager role, or the permissions:write scope");
  if (!system && c.action != PermissionAction::expire &&
      (ctx.actor_id == p->user_id.value || ctx.actor_id == p->requested_by))
    return refused("a permission is decided by someone other than its user and the one who asked for it");
  if (c.expected_version && *c.expected_version != p->version) return version_mismatch(p->version);
  auto move = permission_transition(p->status, c.action);
  if (!move)
    return core::make_error(errc::invalid_transition, "the permission is " + p->status + ": " + only_from(c.action));
  boost::json::object data;
  switch (c.action) {
    case PermissionAction::approve: {
      int64_t expires = c.expires_at ? c.expires_at : p->expires_at;
      if (expires != 0 && expires <= ctx.now)
        return out_of_bounds("expires_at", c.expires_at ? "must be in the future"
                                                        : "the expiry asked for has passed: give a new expires_at");
      data["expires_at"] = time_or_null(expires);
      break;
    }
    case PermissionAction::reject:
    case PermissionAction::revoke: data = personal_reason(c.reason); break;
    case PermissionAction::expire:
      if (p->expires_at == 0 || p->expires_at > ctx.now)
        return core::make_error(errc::invalid_transition,
                                p->expires_at == 0 ? std::string("the permission never expires")
                                                   : "the permission expires at " + core::format_rfc3339(p->expires_at));
      data["expires_at"] = core::format_rfc3339(p->expires_at);
      break;
  }
  return std::vector<Draft>{permission_event(move->event, c.tenant_id, *p, std::move(data))};
}

namespace detail {
std::vector<Draft> close_permissions(const TenantState& t, const UserState& u, const std::string& reason) {
  std::vector<const PermissionState*> open;
  for (const auto& [id, p] : t.permissions)
    if (p.user_id == u.id && (p.status == "pending" || p.status == "approved")) open.push_back(&p);
  std::sort(open.begin(), open.end(), [](auto* a, auto* b) { return a->id < b->id; });
  std::vector<Draft> out;
  for (const auto* p : open)
    out.push_back(permission_event(p->status == "pending" ? types::permission_rejected : types::permission_revoked,
                                   t.id, *p, personal_reason(reason)));
  return out;
}
}  // namespace detail

}  // namespace regent::commands
