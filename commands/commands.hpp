#pragma once
// Commands: what a caller asks for, already validated for shape, with every id and time chosen
// before `decide` so that deciding stays a pure function.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace regent::commands {

// Who asks, and the request's traces; stamped onto every event the command produces.
struct Context {
  std::string actor_id;       // empty for anonymous sign-up
  std::string actor_type = "system";
  std::vector<std::string> actor_roles;
  std::vector<std::string> actor_scopes;  // an API key's (actor_type "api_key")
  std::string request_id;
  std::string traceparent;  // W3C Trace Context of the request (api/trace_context.hpp), and its
  std::string tracestate;   // vendors' state: both go on the events
  std::string idempotency_key;
  std::string idempotency_scope;  // the caller's tenant id; "" for sign-ups
  std::string request_hash;       // keyed hash of the request, set with idempotency_key
  std::string ip;
  std::string user_agent;
  core::UnixMillis now = 0;
};

struct CreateTenant {
  core::TenantId tenant_id;
  core::UserId admin_id;
  std::string name;
  std::string slug;
  std::string admin_email;
  std::string admin_full_name;
  std::string admin_password_hash;
  std::vector<std::string> admin_roles = {"admin"};
};

struct CreateUser {
  core::TenantId tenant_id;
  core::UserId user_id;
  std::string email;
  std::string full_name;
  std::string password_hash;
  std::vector<std::string> roles;
  std::string parent_user_id;
};

struct RecordLogin {
  core::TenantId tenant_id;
  core::UserId user_id;
  std::string session_id;
  std::string refresh_hash;  // keyed hash of the sign-in's first refresh token
  int64_t expires_at = 0;    // ms: its refresh tokens are refused after it
  std::string nonce;         // 32 random bytes (base64url) that token is derived from
};

// POST /v1/users/{id}/deactivate and /reactivate: `active` is the status wanted.
struct SetUserActive {
  core::TenantId tenant_id;
  core::UserId user_id;
  bool active = false;
  std::optional<int64_t> expected_version;  // If-Match on the user
};

// POST /v1/users/{id}/erase: the user's personal data becomes unreadable everywhere (its data key
// is deleted once the event is in); an erased user stays erased.
struct EraseUser {
  core::TenantId tenant_id;
  core::UserId user_id;
  std::optional<int64_t> expected_version;  // If-Match on the user
};

// PATCH /v1/users/{id}: what is present is recorded (the handler leaves out what equals the
// current value: the state holds sealed values only, which deciding cannot compare).
struct UpdateUser {
  core::TenantId tenant_id;
  core::UserId user_id;
  std::optional<std::string> email;
  std::optional<std::string> full_name;
  std::optional<int64_t> expected_version;  // If-Match on the user
};

// PUT (assign) and DELETE (revoke) /v1/users/{id}/roles/{role}: idempotent both ways.
struct ChangeRole {
  core::TenantId tenant_id;
  core::UserId user_id;
  std::string role;
  bool assign = true;
};

// POST /v1/invitations: the token is derived from the invitation and a nonce the event records
// (api/handlers/invitations.cpp); the state keeps its keyed hash only.
struct CreateInvitation {
  core::TenantId tenant_id;
  std::string invitation_id;
  core::UserId invitee;  // the user id acceptance gives, whose data key seals the email
  std::string email;
  std::vector<std::string> roles;
  std::string token_hash;
  std::string nonce;
  int64_t expires_at = 0;  // ms
};

// POST /v1/invitations/accept: the invited user is created with the invitation's email and roles.
struct AcceptInvitation {
  core::TenantId tenant_id;
  std::string token_hash;
  core::UserId user_id;  // the invitation's invitee
  std::string email;     // the invitation's, opened by the handler (the state holds it sealed)
  std::string full_name;
  std::string password_hash;
};

struct RevokeInvitation {
  core::TenantId tenant_id;
  std::string invitation_id;
};

// POST /v1/api-keys: like an invitation's token, the key is derived from the key's id and a nonce
// the event records, under the server's API-key pepper; the state keeps its keyed hash only.
struct CreateApiKey {
  core::TenantId tenant_id;
  std::string key_id;
  std::string name;
  std::vector<std::string> scopes;
  std::string key_hash;
  std::string prefix;
  std::string nonce;
  int64_t expires_at = 0;  // ms; 0: never
};

struct RevokeApiKey {
  core::TenantId tenant_id;
  std::string key_id;
};

// A key was used: recorded at most once a minute per key (kKeyUseEveryMs), not once a request.
struct RecordKeyUse {
  core::TenantId tenant_id;
  std::string key_id;
};
inline constexpr int64_t kKeyUseEveryMs = 60'000;
inline constexpr int64_t kInvitationTtlMs = 7LL * 24 * 3600 * 1000;

// POST /v1/auth/refresh: the presented refresh token (by its keyed hash) spent for a new one.
struct RefreshSession {
  core::TenantId tenant_id;
  std::string refresh_hash;
  std::string new_refresh_hash;
  std::string nonce;  // what the new token is derived from, with the session (api/handlers/login.cpp)
};

// POST /v1/auth/logout: the sign-in of the presented refresh token ends.
struct EndSession {
  core::TenantId tenant_id;
  std::string refresh_hash;
};

// A refresh token spent this recently, presented again, is a client's retry racing its own first
// use (refused, nothing revoked); later, it is reuse, and the sign-in is revoked.
inline constexpr int64_t kRefreshRetryGraceMs = 5000;

// A credit or a debit of one user's wallet, by an admin or (debits) by the user itself.
struct WalletMovement {
  core::TenantId tenant_id;
  core::UserId user_id;
  std::string transaction_id;
  int64_t amount = 0;
  std::string reference;
  std::string description;
  std::optional<int64_t> expected_version;  // If-Match on the wallet
};
struct CreditWallet : WalletMovement {};
struct DebitWallet : WalletMovement {};

// An activity of `user_id` (the caller when absent), charged at the tenant's configured cost to
// the user's wallet, or to its parent's for a sub-user.
struct RecordActivity {
  core::TenantId tenant_id;
  std::string activity_id;
  std::string transaction_id;
  std::string type;
  core::UserId user_id;
};

// POST /v1/permissions: `user_id` asks for the caller itself unless another user is named (which
// needs the reach of managing users).
struct RequestPermission {
  core::TenantId tenant_id;
  std::string permission_id;
  core::UserId user_id;
  std::string resource;
  std::string level;
  std::string reason;
  int64_t expires_at = 0;  // ms; 0: none asked for
};

// Approve, reject, revoke (people) and expire (the scheduler): commands/permissions.hpp has the
// table of which status each moves from and to.
enum class PermissionAction { approve, reject, revoke, expire };
struct DecidePermission {
  core::TenantId tenant_id;
  std::string permission_id;
  PermissionAction action = PermissionAction::approve;
  int64_t expires_at = 0;  // approve: ms, 0 to keep the one requested (if any)
  std::string reason;      // reject (required), revoke (optional)
  std::optional<int64_t> expected_version;  // If-Match on the permission
};

// PATCH /v1/tenant: only what is present changes; activity_costs are merged key by key.
struct ChangeTenant {
  core::TenantId tenant_id;
  std::optional<std::string> name;
  std::optional<std::string> currency;
  std::map<std::string, int64_t> activity_costs;
  std::optional<int64_t> max_users;
  std::optional<int64_t> expected_version;  // If-Match on the tenant
};

}  // namespace regent::commands
