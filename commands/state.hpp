#pragma once
// The write side's picture of a partition: every tenant whose events live in it, with what the
// invariants need (unique slugs and emails, user limits, credentials, balances). Built by `evolve`
// only.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "commands/idempotency.hpp"
#include "commands/money.hpp"
#include "core/ids.hpp"
#include "events/fence.hpp"

namespace regent::commands {

struct TenantSettings {
  std::string currency = "USD";
  std::map<std::string, int64_t> activity_costs = {{"report_generation", 500}, {"form_download", 100}};
  int64_t max_users = 1000;
};

// Every user has one wallet, opened by user.created (version 1) in the tenant's currency; each
// wallet.credited / wallet.debited is the next version.
struct WalletState {
  int64_t balance = 0;
  int64_t version = 1;
  std::string updated_at;
};

// A sign-in: the access tokens it issued name it (`jti`), and its refresh token is kept as a keyed
// hash only. Each refresh spends the current token for a new one; a spent one presented again is
// reuse (RFC 9700 §4.14) and revokes the whole sign-in.
struct SessionState {
  std::string id;
  core::UserId user_id;
  std::string refresh_hash;              // the current refresh token's; empty: none (older sign-ins)
  std::map<std::string, int64_t> spent;  // earlier refresh tokens' hashes -> when they were spent (ms)
  int64_t expires_at = 0;                // ms: no refresh after it
  std::string revoked;                   // why, once revoked ("logout", "refresh_token_reuse", ...)
};

struct UserState {
  core::UserId id;
  std::string email;
  std::string full_name;
  std::vector<std::string> roles;
  std::string status = "active";
  std::string parent_user_id;
  std::string password_hash;
  std::vector<std::string> sessions;  // ids of its sign-ins not yet expired
  int64_t version = 0;
  std::string created_at;
  std::string updated_at;
  WalletState wallet;
};

struct TenantState {
  core::TenantId id;
  std::string name;
  std::string slug;
  TenantSettings settings;
  int64_t version = 0;
  std::string created_at;
  std::string updated_at;
  // Money that ever entered and left the tenant's wallets: sum of balances == credited - debited.
  BigSum credited = 0;
  BigSum debited = 0;
  int64_t transactions = 0;
  IdempotencyIndex idempotency;
  std::unordered_map<core::UserId, UserState> users;
  std::unordered_map<std::string, core::UserId> user_by_email;  // lower-cased email
  std::unordered_map<std::string, SessionState> sessions;
  std::unordered_map<std::string, std::string> session_by_refresh_hash;  // current and spent hashes

  const UserState* user(const core::UserId& id) const;
  const UserState* user_by(std::string_view email) const;
  const SessionState* session(std::string_view id) const;
  const SessionState* session_by_refresh(std::string_view hash) const;
  BigSum total_balance() const;
};

struct PartitionState {
  int32_t partition = 0;
  int64_t next_offset = 0;  // the offset of the next event this state has not seen
  std::string last_event_id;  // of the record at next_offset - 1: ties a snapshot to its log
  events::FenceState fence;
  std::unordered_map<core::TenantId, TenantState> tenants;
  std::unordered_map<std::string, core::TenantId> tenant_by_slug;
  IdempotencyIndex signups;  // keys of tenant creations: they have no tenant to be scoped to yet

  const TenantState* tenant(const core::TenantId& id) const;
  const TenantState* tenant_by(std::string_view slug) const;
};

std::string lower(std::string_view s);

// A tenant's own fields without its users: enough to show it, cheap to copy.
TenantState tenant_header(const TenantState& t);

}  // namespace regent::commands
