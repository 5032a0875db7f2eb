// API keys: created and revoked by admins, each an actor with scopes instead of roles.
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "commands/decide.hpp"
#include "commands/decide_support.hpp"
#include "core/json.hpp"
#include "events/event_types.hpp"

namespace regent::commands {
namespace {
using core::errc;
namespace types = events::types;
using namespace detail;

Draft key_event(std::string_view type, const core::TenantId& tenant, const std::string& id, int64_t version,
                boost::json::object data) {
  data["api_key_id"] = id;
  return {std::string(type), "api-keys/" + id, tenant, version + 1, core::to_json(data)};
}

core::Error no_key() { return core::make_error(errc::not_found, "no such API key"); }
}  // namespace

Decision decide(const PartitionState& s, const CreateApiKey& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  if (!t) return core::make_error(errc::not_found, "no such tenant");
  if (!may(ctx, Action::administer)) return refused("API keys need the admin role or the admin scope");
  // A key makes no key stronger than itself.
  if (ctx.actor_type == "api_key")
    for (const auto& scope : c.scopes)
      if (std::find(ctx.actor_scopes.begin(), ctx.actor_scopes.end(), scope) == ctx.actor_scopes.end())
        return refused("an API key cannot grant the scope " + scope + ", which it does not have");
  if (c.expires_at != 0 && c.expires_at <= ctx.now) return out_of_bounds("expires_at", "must be in the future");
  boost::json::array scopes;
  for (const auto& scope : c.scopes) scopes.emplace_back(scope);
  return std::vector<Draft>{key_event(types::api_key_created, c.tenant_id, c.key_id, 0,
                                      {{"name", c.name},
                                       {"prefix", c.prefix},
                                       {"scopes", scopes},
                                       {"key_hash", c.key_hash},
                                       {"nonce", c.nonce},
                                       {"expires_at", c.expires_at ? boost::json::value(core::format_rfc3339(c.expires_at))
                                                                   : boost::json::value(nullptr)}})};
}

Decision decide(const PartitionState& s, const RevokeApiKey& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  const ApiKeyState* key = t ? t->api_key(c.key_id) : nullptr;
  if (!key) return no_key();
  if (!may(ctx, Action::administer)) return refused("API keys need the admin role or the admin scope");
  if (key->revoked) return std::vector<Draft>{};
  return std::vector<Draft>{key_event(types::api_key_revoked, c.tenant_id, key->id, key->version, {})};
}

Decision decide(const PartitionState& s, const RecordKeyUse& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  const ApiKeyState* key = t ? t->api_key(c.key_id) : nullptr;
  if (!key || !key->usable(ctx.now)) return std::vector<Draft>{};
  if (key->last_used_at != 0 && ctx.now - key->last_used_at < kKeyUseEveryMs) return std::vector<Draft>{};
  return std::vector<Draft>{key_event(types::api_key_used, c.tenant_id, key->id, key->version, {})};
}

}  // namespace regent::commands
