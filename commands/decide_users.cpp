// Users, their roles, and invitations to become one.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "commands/decide.hpp"
#include "commands/decide_support.hpp"
#include "core/blind_index.hpp"
#include "core/json.hpp"
#include "events/event_types.hpp"

namespace regent::commands {
namespace {
using core::errc;
namespace types = events::types;
using namespace detail;

// A user a command names, in the caller's tenant (never another's: 404 across tenants); an erased
// user is gone.
const UserState* named_user(const PartitionState& s, const core::TenantId& tenant, const core::UserId& id) {
  const TenantState* t = s.tenant(tenant);
  const UserState* u = t ? t->user(id) : nullptr;
  return u && u->status != "erased" ? u : nullptr;
}

core::Error no_user() { return core::make_error(errc::not_found, "no such user"); }

// Whether a manager-like reach covers giving `roles` to someone (a manager gives no admin role).
bool may_grant(const Context& ctx, Action a, const std::vector<std::string>& roles) {
  UserState would_be;
  would_be.roles = roles;
  return may(ctx, a, would_be);
}

core::Error bad_parent(std::string message) {
  return core::Error{errc::validation_failed, "the request breaks the schema", {{"parent_user_id", std::move(message)}}};
}

Draft user_event(std::string_view type, const core::TenantId& tenant, const UserState& u, boost::json::object data) {
  data["user_id"] = u.id.value;
  return {std::string(type), "users/" + u.id.value, tenant, u.version + 1, core::to_json(data)};
}

Draft invitation_event(std::string_view type, const core::TenantId& tenant, const InvitationState& inv,
                       boost::json::object data) {
  data["invitation_id"] = inv.id;
  return {std::string(type), "invitations/" + inv.id, tenant, inv.version + 1, core::to_json(data)};
}
}  // namespace

Decision decide(const PartitionState& s, const CreateUser& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  if (!t) return core::make_error(errc::not_found, "no such tenant");
  if (!may_grant(ctx, Action::write_users, c.roles)) return refused("only an admin may create an admin");
  if (t->user_by(c.email)) return core::make_error(errc::email_taken, "a user with this email already exists");
  if (auto full = over_user_limit(*t, ctx.now, 0)) return *full;
  if (!c.parent_user_id.empty()) {
    const UserState* parent = t->user(core::UserId{c.parent_user_id});
    if (!parent || parent->status == "erased") return bad_parent("no such user in this tenant");
    if (parent->status != "active") return bad_parent("is not active");
    if (!parent->parent_user_id.empty()) return bad_parent("is itself a sub-user");
  }
  return std::vector<Draft>{user_created(c.tenant_id, c.user_id, c.email, c.full_name, c.password_hash, c.roles,
                                         c.parent_user_id, t->settings.currency)};
}

Decision decide(const PartitionState& s, const SetUserActive& c, const Context& ctx) {
  const UserState* u = named_user(s, c.tenant_id, c.user_id);
  if (!u) return no_user();
  if (!may(ctx, Action::write_users))
    return refused("deactivating and reactivating users needs the admin or manager role, or the users:write scope");
  if (!may(ctx, Action::write_users, *u)) return refused("only an admin may deactivate or reactivate an admin");
  if (ctx.actor_id == u->id.value) return refused("you cannot deactivate or reactivate yourself");
  if (c.expected_version && *c.expected_version != u->version) return version_mismatch(u->version);
  std::string_view wanted_from = c.active ? "deactivated" : "active";
  if (u->status != wanted_from)
    return core::make_error(errc::invalid_transition, "the user is " + u->status + ": it cannot be " +
                                                          (c.active ? "reactivated" : "deactivated"));
  std::vector<Draft> out{user_event(c.active ? types::user_reactivated : types::user_deactivated, c.tenant_id, *u, {})};
  if (!c.active)
    for (auto& d : close_permissions(*s.tenant(c.tenant_id), *u, "the user was deactivated")) out.push_back(std::move(d));
  return out;
}

Decision decide(const PartitionState& s, const EraseUser& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  const UserState* u = t ? t->user(c.user_id) : nullptr;
  if (!u) return no_user();
  if (!may(ctx, Action::administer)) return refused("erasing users needs the admin role or the admin scope");
  if (ctx.actor_id == u->id.value) return refused("you cannot erase yourself: another admin must");
  if (c.expected_version && *c.expected_version != u->version) return version_mismatch(u->version);
  if (u->status == "erased") return std::vector<Draft>{};  // erased once, erased for good
  for (const char* role : {"admin", "super_admin"})
    if (u->status == "active" && has_role(u->roles, role) && t->active_with_role(role) == 1)
      return core::make_error(errc::conflict, std::string("this is the tenant's last active ") + role);
  // Its open permissions close first, so that the erasure is the last of its events.
  std::vector<Draft> out = close_permissions(*t, *u, "the user was erased");
  out.push_back(user_event(types::user_erased, c.tenant_id, *u, {}));
  return out;
}

Decision decide(const PartitionState& s, const UpdateUser& c, const Context& ctx) {
  const UserState* u = named_user(s, c.tenant_id, c.user_id);
  if (!u) return no_user();
  if (!may(ctx, Action::write_users)) return refused("updating users needs the admin or manager role, or the users:write scope");
  if (!may(ctx, Action::write_users, *u)) return refused("only an admin may update an admin");
  if (c.expected_version && *c.expected_version != u->version) return version_mismatch(u->version);
  const TenantState& t = *s.tenant(c.tenant_id);
  boost::json::array changed;
  boost::json::object personal;
  if (c.email) {
    // A change of case only is a change, and no other user's email.
    const UserState* holder = t.user_by(*c.email);
    if (holder && holder->id != u->id) return core::make_error(errc::email_taken, "a user with this email already exists");
    if (t.pending_invitation_for(*c.email, ctx.now))
      return core::make_error(errc::email_taken, "an invitation to this email is pending");
    changed.emplace_back("email");
    personal["email"] = *c.email;
  }
  if (c.full_name) {
    changed.emplace_back("full_name");
    personal["full_name"] = *c.full_name;
  }
  if (changed.empty()) return std::vector<Draft>{};
  boost::json::object data{{"changed", changed}, {"personal", personal}};
  if (personal.contains("email")) data["email_index"] = core::email_index(*c.email);
  return std::vector<Draft>{user_event(types::user_updated, c.tenant_id, *u, std::move(data))};
}

Decision decide(const PartitionState& s, const ChangeRole& c, const Context& ctx) {
  const UserState* u = named_user(s, c.tenant_id, c.user_id);
  if (!u) return no_user();
  if (!may(ctx, Action::assign_roles)) return refused("assigning and revoking roles needs the admin role or the users:write scope");
  const TenantState& t = *s.tenant(c.tenant_id);
  // super_admin is the system tenant's, and only a super_admin makes another.
  if (c.role == "super_admin" && (t.slug != "system" || !has_role(ctx.actor_roles, "super_admin")))
    return refused("only a super_admin may assign or revoke super_admin, in the system tenant");
  bool has = has_role(u->roles, c.role);
  if (has == c.assign) return std::vector<Draft>{};  // already so: nothing to append
  if (!c.assign) {
    if (u->roles.size() == 1) return core::make_error(errc::conflict, "a user keeps at least one role: assign another first");
    if ((c.role == "admin" || c.role == "super_admin") && u->status == "active" && t.active_with_role(c.role) == 1)
      return core::make_error(errc::conflict, "this is the tenant's last active " + c.role);
  }
  return std::vector<Draft>{
      user_event(c.assign ? types::user_role_assigned : types::user_role_revoked, c.tenant_id, *u, {{"role", c.role}})};
}

Decision decide(const PartitionState& s, const CreateInvitation& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  if (!t) return core::make_error(errc::not_found, "no such tenant");
  if (!may(ctx, Action::write_users)) return refused("inviting users needs the admin or manager role, or the users:write scope");
  if (!may_grant(ctx, Action::write_users, c.roles)) return refused("only an admin may invite an admin");
  if (t->user_by(c.email)) return core::make_error(errc::email_taken, "a user with this email already exists");
  if (t->pending_invitation_for(c.email, ctx.now))
    return core::make_error(errc::email_taken, "an invitation to this email is pending: revoke it to invite again");
  if (auto full = over_user_limit(*t, ctx.now, 0)) return *full;
  boost::json::array roles;
  for (const auto& r : c.roles) roles.emplace_back(r);
  InvitationState fresh;
  fresh.id = c.invitation_id;
  fresh.version = 0;
  return std::vector<Draft>{invitation_event(types::invitation_created, c.tenant_id, fresh,
                                             {{"roles", roles},
                                              {"token_hash", c.token_hash},
                                              {"nonce", c.nonce},
                                              {"expires_at", core::format_rfc3339(c.expires_at)},
                                              {"email_index", core::email_index(c.email)},
                                              {"user_id", c.invitee.value},
                                              {"personal", boost::json::object{{"email", c.email}}}})};
}

Decision decide(const PartitionState& s, const AcceptInvitation& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  const InvitationState* inv = t ? t->invitation_by_token(c.token_hash) : nullptr;
  if (!inv || !inv->pending(ctx.now))
    return core::make_error(errc::unauthenticated, "invalid, used or expired invitation token");
  // The handler opened the email; it must be the invitation's, for the invitee it names.
  if (core::email_index(c.email) != inv->email_index || (!inv->invitee.value.empty() && c.user_id != inv->invitee))
    return core::make_error(errc::conflict, "the invitation changed while it was being accepted; retry");
  if (t->user_by(c.email)) return core::make_error(errc::email_taken, "a user with this email already exists");
  if (auto full = over_user_limit(*t, ctx.now, 1)) return *full;
  std::vector<Draft> out;
  out.push_back(invitation_event(types::invitation_accepted, c.tenant_id, *inv, {{"user_id", c.user_id.value}}));
  out.push_back(user_created(c.tenant_id, c.user_id, c.email, c.full_name, c.password_hash, inv->roles, "",
                             t->settings.currency));
  return out;
}

Decision decide(const PartitionState& s, const RevokeInvitation& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  const InvitationState* inv = t ? t->invitation(c.invitation_id) : nullptr;
  if (!inv) return core::make_error(errc::not_found, "no such invitation");
  if (!may(ctx, Action::write_users)) return refused("revoking invitations needs the admin or manager role, or the users:write scope");
  if (!may_grant(ctx, Action::write_users, inv->roles)) return refused("only an admin may revoke an admin's invitation");
  if (inv->status == "revoked") return std::vector<Draft>{};
  if (inv->status == "accepted") return core::make_error(errc::invalid_transition, "the invitation was accepted already");
  boost::json::object data;
  if (!inv->invitee.value.empty()) data["user_id"] = inv->invitee.value;  // whose key is deleted with it
  return std::vector<Draft>{invitation_event(types::invitation_revoked, c.tenant_id, *inv, std::move(data))};
}

}  // namespace regent::commands
