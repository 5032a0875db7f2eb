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
#include "core/sealed_fields.hpp"
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

// An invitation to join the tenant, until it is accepted, revoked or expires. Pending ones count
// against max_users.
struct InvitationState {
  std::string id;
  core::UserId invitee;  // the id the user gets on acceptance, whose key seals the email; empty in older invitations
  core::Sealed email;
  std::string email_index;  // core/blind_index.hpp
  std::vector<std::string> roles;
  std::string token_hash;
  int64_t expires_at = 0;  // ms
  std::string status = "pending";  // accepted, revoked
  int64_t version = 1;
  bool pending(int64_t now) const { return status == "pending" && now < expires_at; }
};

// An API key: an actor of its own, with scopes instead of roles.
struct ApiKeyState {
  std::string id;
  std::string name;
  std::string prefix;
  std::vector<std::string> scopes;
  std::string key_hash;
  int64_t expires_at = 0;    // ms; 0: never
  int64_t last_used_at = 0;  // ms, as last recorded (at most once a minute); 0: never
  bool revoked = false;
  int64_t version = 1;
  bool usable(int64_t now) const { return !revoked && (expires_at == 0 || now < expires_at); }
};

// A permission on an external resource, asked for by or for a user, decided by an approver
// (commands/permissions.hpp: how its status moves).
struct PermissionState {
  std::string id;
  core::UserId user_id;
  std::string resource;
  std::string level;
  std::string status = "pending";  // approved, rejected, revoked, expired
  core::Sealed reason;             // why it was asked for
  std::string requested_by;        // the actor that asked (a user or an API key)
  std::string decided_by;          // the last person to approve, reject or revoke it
  core::Sealed decision_reason;    // a rejection's or a revocation's
  std::string requested_at;
  std::string decided_at;
  int64_t expires_at = 0;  // ms; 0: never (asked for while pending, in force once approved)
  int64_t version = 1;
};

// Personal values are kept sealed, as their events carry them (core/sealed_fields.hpp): the state
// never holds a data key, and what decisions need of them is the email's blind index.
struct UserState {
  core::UserId id;
  core::Sealed email;
  std::string email_index;  // core/blind_index.hpp: what uniqueness and sign-in look up
  core::Sealed full_name;
  std::vector<std::string> roles;
  std::string status = "active";  // deactivated, erased
  std::string parent_user_id;
  core::Sealed password_hash;
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
  std::unordered_map<std::string, core::UserId> user_by_email;  // by the email's blind index
  std::unordered_map<std::string, SessionState> sessions;
  std::unordered_map<std::string, std::string> session_by_refresh_hash;  // current and spent hashes
  std::unordered_map<std::string, InvitationState> invitations;  // until their expiry, settled or not
  std::unordered_map<std::string, std::string> invitation_by_token_hash;
  std::unordered_map<std::string, ApiKeyState> api_keys;
  std::unordered_map<std::string, std::string> api_key_by_hash;  // usable or not: the key decides
  std::unordered_map<std::string, PermissionState> permissions;   // every one, settled or not

  const UserState* user(const core::UserId& id) const;
  const UserState* user_by(std::string_view email) const;
  const SessionState* session(std::string_view id) const;
  const SessionState* session_by_refresh(std::string_view hash) const;
  const InvitationState* invitation(std::string_view id) const;
  const InvitationState* invitation_by_token(std::string_view hash) const;
  const ApiKeyState* api_key(std::string_view id) const;
  const ApiKeyState* api_key_by(std::string_view hash) const;
  const PermissionState* permission(std::string_view id) const;
  int64_t pending_invitations(int64_t now) const;
  const InvitationState* pending_invitation_for(std::string_view email, int64_t now) const;
  // Active users with the role.
  int64_t active_with_role(std::string_view role) const;
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
