#include "commands/state.hpp"

#include "core/blind_index.hpp"

#include <algorithm>

namespace regent::commands {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const UserState* TenantState::user(const core::UserId& id) const {
  auto it = users.find(id);
  return it == users.end() ? nullptr : &it->second;
}

const SessionState* TenantState::session(std::string_view id) const {
  auto it = sessions.find(std::string(id));
  return it == sessions.end() ? nullptr : &it->second;
}

const SessionState* TenantState::session_by_refresh(std::string_view hash) const {
  auto it = session_by_refresh_hash.find(std::string(hash));
  return it == session_by_refresh_hash.end() ? nullptr : session(it->second);
}

namespace {
template <class Map>
const typename Map::mapped_type* find_in(const Map& m, std::string_view key) {
  auto it = m.find(std::string(key));
  return it == m.end() ? nullptr : &it->second;
}
}  // namespace

const InvitationState* TenantState::invitation(std::string_view id) const { return find_in(invitations, id); }

const InvitationState* TenantState::invitation_by_token(std::string_view hash) const {
  const std::string* id = find_in(invitation_by_token_hash, hash);
  return id ? invitation(*id) : nullptr;
}

const ApiKeyState* TenantState::api_key(std::string_view id) const { return find_in(api_keys, id); }

const PermissionState* TenantState::permission(std::string_view id) const { return find_in(permissions, id); }

const ApiKeyState* TenantState::api_key_by(std::string_view hash) const {
  const std::string* id = find_in(api_key_by_hash, hash);
  return id ? api_key(*id) : nullptr;
}

int64_t TenantState::pending_invitations(int64_t now) const {
  int64_t n = 0;
  for (const auto& [id, inv] : invitations) n += inv.pending(now);
  return n;
}

const InvitationState* TenantState::pending_invitation_for(std::string_view email, int64_t now) const {
  std::string wanted = core::email_index(email);
  for (const auto& [id, inv] : invitations)
    if (inv.pending(now) && inv.email_index == wanted) return &inv;
  return nullptr;
}

int64_t TenantState::active_with_role(std::string_view role) const {
  int64_t n = 0;
  for (const auto& [id, u] : users)
    n += u.status == "active" && std::find(u.roles.begin(), u.roles.end(), role) != u.roles.end();
  return n;
}

const UserState* TenantState::user_by(std::string_view email) const {
  auto it = user_by_email.find(core::email_index(email));
  return it == user_by_email.end() ? nullptr : user(it->second);
}

TenantState tenant_header(const TenantState& t) {
  TenantState h;
  h.id = t.id;
  h.name = t.name;
  h.slug = t.slug;
  h.settings = t.settings;
  h.version = t.version;
  h.created_at = t.created_at;
  h.updated_at = t.updated_at;
  return h;
}

BigSum TenantState::total_balance() const {
  BigSum sum = 0;
  for (const auto& [id, u] : users) sum += u.wallet.balance;
  return sum;
}

const TenantState* PartitionState::tenant(const core::TenantId& id) const {
  auto it = tenants.find(id);
  return it == tenants.end() ? nullptr : &it->second;
}

const TenantState* PartitionState::tenant_by(std::string_view slug) const {
  auto it = tenant_by_slug.find(std::string(slug));
  return it == tenant_by_slug.end() ? nullptr : tenant(it->second);
}

}  // namespace regent::commands
