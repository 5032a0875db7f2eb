#pragma once
// What every handler shares: authentication, body parsing, read-your-writes, and the shapes of
// successful responses.
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/router.hpp"
#include "commands/commands.hpp"
#include "commands/policy.hpp"
#include "commands/processor.hpp"
#include "core/json.hpp"
#include "core/result.hpp"

namespace regent::api {

// Who calls: a signed-in user, or an API key (commands/policy.hpp says what each may do).
struct Principal {
  core::UserId user_id;        // empty for an API key
  std::string api_key_id;      // set for an API key
  std::vector<std::string> scopes;  // an API key's
  core::TenantId home_tenant;  // where the caller's account or key lives
  core::TenantId tenant;       // where it acts (differs only for super_admin with ?tenant=)
  std::vector<std::string> roles;
  bool super_admin = false;
  bool service = false;  // Regent's scheduler (api/service_tokens.hpp): may record due expiries only
  bool api_key() const { return !api_key_id.empty(); }
  bool has_any(std::initializer_list<std::string_view> roles) const;
  commands::Reach reach(commands::Action a) const { return commands::reach(roles, scopes, api_key(), a); }
  // May do `a` to someone (the command side checks whom).
  bool may(commands::Action a) const { return reach(a) != commands::Reach::none; }
};

// Verifies the bearer access token (and that its user is still active and its sign-in stands) or
// API key (and that it is neither revoked nor expired); resolves the tenant a super_admin acts in
// (?tenant= or Regent-Tenant, by id or slug).
core::Result<Principal> authenticate(Ctx& ctx);

// The problem for a caller the policy refuses `a`.
Response forbidden(const Ctx& ctx, std::string message);

// The body as a JSON object: 415 unless application/json, 400 unless an object.
core::Result<std::unique_ptr<core::JsonDocument>> json_body(const Request& req);

// Waits for Regent-Min-Position on `projections`; a response when the caller must be answered
// with an error instead (bad token, or still behind at the timeout).
std::optional<Response> await_position(Ctx& ctx, const std::vector<std::string>& projections);

// If-Match: "<version>" (or a bare number); nullopt when absent or "*"; 422 when malformed.
core::Result<std::optional<int64_t>> if_match(const Request& req);

// Who asks and the request's traces, for the command. `scope` is where an Idempotency-Key lives: the
// caller's tenant id, or "" for sign-ups. A malformed Idempotency-Key is 422.
// A secret token of the form `<kind>_<tenant id>.<43 characters>` (refresh tokens, invitations):
// the tenant it names; nullopt when it has not that form.
std::optional<core::TenantId> token_tenant(std::string_view token, std::string_view kind);
// Keyed hash (HMAC-SHA256 under the server's secret, with `purpose`) of a secret token: what the
// state and the log keep of it.
std::string token_hash(const Services& svc, std::string_view purpose, std::string_view token);

core::Result<commands::Context> command_context(const Ctx& ctx, const Principal* actor, std::string scope);

// argon2id on at most one hash per core at a time (Services::hashing_slots).
std::string hash_password_bounded(Services& svc, std::string_view password);
bool verify_password_bounded(Services& svc, std::string_view encoded_hash, std::string_view password);

Response json_response(int status, std::string body);
// With Regent-Position, and Idempotent-Replayed when the answer is an earlier one's.
Response committed_response(int status, std::string body, const commands::Committed& done);

// A user as the API shows it, from the write side's state right after a command.
std::string user_json(const Services& svc, const core::TenantId& tenant, const commands::UserState& u,
                      const std::string& created_at);

std::string tenant_json(const commands::TenantState& t);

// The write side's view of what a command's events created: what a response shows, and shows again
// to a retry with the same Idempotency-Key.
commands::UserState user_from_event(const events::Envelope& user_created);
// What `f` takes from the tenant as the write side has it (nothing when there is no such tenant),
// copied out of the state's lock: keep `f` to lookups.
template <class F>
auto tenant_state(const Services& svc, const core::TenantId& tenant, F f) {
  std::invoke_result_t<F, const commands::TenantState&> out{};
  svc.processor.read(svc.processor.partition_of(tenant), [&](const commands::PartitionState& s) {
    if (const auto* t = s.tenant(tenant)) out = f(*t);
  });
  return out;
}
// A copy of the user as the write side has it (to be shown outside the state's lock).
std::optional<commands::UserState> user_state(const Services& svc, const core::TenantId& tenant, const core::UserId& id);
commands::TenantState tenant_from_event(const events::Envelope& tenant_created);

// A transaction (from wallet.credited / wallet.debited) and an activity (from activity.recorded),
// as the API shows them, straight from the events a command appended.
std::string transaction_json(const Services& svc, const events::Envelope& e);
std::string activity_json(const events::Envelope& e);

}  // namespace regent::api
