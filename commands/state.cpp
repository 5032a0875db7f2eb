#include "commands/state.hpp"

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

const UserState* TenantState::user_by(std::string_view email) const {
  auto it = user_by_email.find(lower(email));
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
