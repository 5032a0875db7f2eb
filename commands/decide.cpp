#include "commands/decide.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "commands/decide_support.hpp"
#include "core/json.hpp"
#include "events/event_types.hpp"

namespace regent::commands {
namespace {
using core::errc;
namespace types = events::types;
using namespace detail;

// The user a wallet command names, in the caller's tenant (never another's: 404 across tenants).
core::Result<const UserState*> wallet_owner(const PartitionState& s, const core::TenantId& tenant,
                                            const core::UserId& user) {
  const TenantState* t = s.tenant(tenant);
  const UserState* u = t ? t->user(user) : nullptr;
  if (!u) return core::make_error(errc::not_found, "no such user");
  return u;
}

bool valid_amount(int64_t amount) { return amount >= 1 && amount <= kMaxAmount; }

Draft wallet_event(std::string_view type, const TenantState& t, const UserState& u, const std::string& transaction_id,
                   int64_t amount, int64_t balance_after, const std::string& reference,
                   const std::string& description, const std::string* activity_id) {
  boost::json::object data{{"transaction_id", transaction_id},
                           {"user_id", u.id.value},
                           {"amount", amount},
                           {"balance_after", balance_after},
                           {"currency", t.settings.currency},
                           {"reference", nullable(reference)},
                           {"description", nullptr}};
  // What a person wrote may name one: sealed with the wallet's owner's personal fields. What the
  // system writes (the activity a debit pays for) is not.
  if (activity_id && !activity_id->empty()) data["description"] = description;
  else if (!description.empty()) data["personal"] = boost::json::object{{"description", description}};
  if (activity_id) data["activity_id"] = nullable(*activity_id);
  return Draft{std::string(type), "users/" + u.id.value + "/wallet", t.id, u.wallet.version + 1, core::to_json(data)};
}
}  // namespace

boost::json::object settings_json(const TenantSettings& s) {
  boost::json::object costs;
  for (const auto& [k, v] : s.activity_costs) costs[k] = v;
  return {{"currency", s.currency}, {"activity_costs", costs}, {"max_users", s.max_users}};
}


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
                             c.admin_password_hash, c.admin_roles, "", settings.currency));
  return out;
}

Decision decide(const PartitionState& s, const RecordLogin& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  const UserState* u = t ? t->user(c.user_id) : nullptr;
  if (!u || u->status != "active") return core::make_error(errc::unauthenticated, "invalid credentials");
  boost::json::object data{
      {"user_id", c.user_id.value},
      {"session_id", c.session_id},
      {"personal", boost::json::object{{"ip", ctx.ip}, {"user_agent", ctx.user_agent}}}};
  if (!c.refresh_hash.empty()) {
    data["refresh_token_hash"] = c.refresh_hash;
    data["expires_at"] = core::format_rfc3339(c.expires_at);
    if (!c.nonce.empty()) data["nonce"] = c.nonce;
  }
  return std::vector<Draft>{{std::string(types::user_logged_in),
                             "users/" + c.user_id.value + "/sessions/" + c.session_id, c.tenant_id, 1,
                             core::to_json(data)}};
}

namespace {
Draft session_event(std::string_view type, const TenantState& t, const SessionState& session, boost::json::object data) {
  data["user_id"] = session.user_id.value;
  data["session_id"] = session.id;
  return {std::string(type), "users/" + session.user_id.value + "/sessions/" + session.id, t.id, 1, core::to_json(data)};
}

core::Error refused_token() { return core::make_error(errc::unauthenticated, "invalid or expired refresh token"); }
}  // namespace

Decision decide(const PartitionState& s, const RefreshSession& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  const SessionState* session = t ? t->session_by_refresh(c.refresh_hash) : nullptr;
  if (!session || !session->revoked.empty() || ctx.now >= session->expires_at) return refused_token();
  const UserState* u = t->user(session->user_id);
  if (!u || u->status != "active") return refused_token();
  if (session->refresh_hash == c.refresh_hash)
    return std::vector<Draft>{session_event(types::session_refreshed, *t, *session,
                                            {{"refresh_token_hash", c.new_refresh_hash}, {"nonce", c.nonce}})};
  // A spent token: a retry racing its own first use gets nothing; anything later is reuse.
  auto spent = session->spent.find(c.refresh_hash);
  if (spent != session->spent.end() && ctx.now - spent->second < kRefreshRetryGraceMs) return refused_token();
  return std::vector<Draft>{session_event(types::session_revoked, *t, *session, {{"reason", "refresh_token_reuse"}})};
}

Decision decide(const PartitionState& s, const EndSession& c, const Context&) {
  const TenantState* t = s.tenant(c.tenant_id);
  const SessionState* session = t ? t->session_by_refresh(c.refresh_hash) : nullptr;
  // Only the current refresh token ends its sign-in; anything else changes nothing.
  if (!session || !session->revoked.empty() || session->refresh_hash != c.refresh_hash) return std::vector<Draft>{};
  return std::vector<Draft>{session_event(types::session_revoked, *t, *session, {{"reason", "logout"}})};
}

Decision decide(const PartitionState& s, const CreditWallet& c, const Context& ctx) {
  auto owner = wallet_owner(s, c.tenant_id, c.user_id);
  if (!owner) return owner.error();
  const UserState& u = **owner;
  if (!may(ctx, Action::credit_wallet, u)) return refused("crediting a wallet needs the admin role or the wallets:write scope");
  if (c.expected_version && *c.expected_version != u.wallet.version) return version_mismatch(u.wallet.version);
  if (!valid_amount(c.amount)) return out_of_bounds("amount", "must be from 1 to " + std::to_string(kMaxAmount));
  if (u.wallet.balance > kMaxBalance - c.amount)
    return core::make_error(errc::limit_reached, "the credit would take the wallet over its maximum balance of " +
                                                     std::to_string(kMaxBalance));
  const TenantState& t = *s.tenant(c.tenant_id);
  return std::vector<Draft>{wallet_event(types::wallet_credited, t, u, c.transaction_id, c.amount,
                                         u.wallet.balance + c.amount, c.reference, c.description, nullptr)};
}

Decision decide(const PartitionState& s, const DebitWallet& c, const Context& ctx) {
  auto owner = wallet_owner(s, c.tenant_id, c.user_id);
  if (!owner) return owner.error();
  const UserState& u = **owner;
  if (!may(ctx, Action::debit_wallet, u))
    return refused("debiting another user's wallet needs the admin role or the wallets:write scope");
  if (c.expected_version && *c.expected_version != u.wallet.version) return version_mismatch(u.wallet.version);
  if (!valid_amount(c.amount)) return out_of_bounds("amount", "must be from 1 to " + std::to_string(kMaxAmount));
  if (u.status != "active") return core::make_error(errc::conflict, "the user is " + u.status + ": its wallet takes no debits");
  if (u.wallet.balance < c.amount)
    return core::make_error(errc::insufficient_funds, "wallet balance " + std::to_string(u.wallet.balance) +
                                                          " is below the debit of " + std::to_string(c.amount));
  const TenantState& t = *s.tenant(c.tenant_id);
  std::string no_activity;
  return std::vector<Draft>{wallet_event(types::wallet_debited, t, u, c.transaction_id, c.amount,
                                         u.wallet.balance - c.amount, c.reference, c.description, &no_activity)};
}

Decision decide(const PartitionState& s, const RecordActivity& c, const Context& ctx) {
  auto owner = wallet_owner(s, c.tenant_id, c.user_id);
  if (!owner) return owner.error();
  const UserState& u = **owner;
  if (!may(ctx, Action::debit_wallet, u))
    return refused("recording another user's activity needs the admin role or the wallets:write scope");
  const TenantState& t = *s.tenant(c.tenant_id);
  auto cost_it = t.settings.activity_costs.find(c.type);
  if (cost_it == t.settings.activity_costs.end())
    return out_of_bounds("type", "is not an activity this tenant has a cost for");
  if (u.status != "active") return core::make_error(errc::conflict, "the user is " + u.status);
  // A sub-user's activities are charged to its parent's wallet.
  const UserState* payer = u.parent_user_id.empty() ? &u : t.user(core::UserId{u.parent_user_id});
  if (!payer) return core::make_error(errc::internal, "a sub-user's parent is missing");
  if (payer->status != "active")
    return core::make_error(errc::conflict, "the paying user is " + payer->status + ": its wallet takes no debits");
  int64_t cost = cost_it->second;
  if (payer->wallet.balance < cost)
    return core::make_error(errc::insufficient_funds, "wallet balance " + std::to_string(payer->wallet.balance) +
                                                          " is below the activity's cost of " + std::to_string(cost));
  boost::json::object data{{"activity_id", c.activity_id},
                           {"type", c.type},
                           {"user_id", u.id.value},
                           {"charged_user_id", payer->id.value},
                           {"cost", cost},
                           {"currency", t.settings.currency},
                           {"transaction_id", cost > 0 ? boost::json::value(c.transaction_id) : nullptr}};
  std::vector<Draft> out;
  out.push_back({std::string(types::activity_recorded), "activities/" + c.activity_id, c.tenant_id, 1, core::to_json(data)});
  // A free activity moves no money: no transaction.
  if (cost > 0)
    out.push_back(wallet_event(types::wallet_debited, t, *payer, c.transaction_id, cost, payer->wallet.balance - cost,
                               "", c.type, &c.activity_id));
  return out;
}

Decision decide(const PartitionState& s, const ChangeTenant& c, const Context& ctx) {
  const TenantState* t = s.tenant(c.tenant_id);
  if (!t) return core::make_error(errc::not_found, "no such tenant");
  if (!may(ctx, Action::administer)) return refused("changing the tenant needs the admin role or the admin scope");
  if (c.expected_version && *c.expected_version != t->version) return version_mismatch(t->version);
  std::vector<Draft> out;
  int64_t version = t->version;
  if (c.name && *c.name != t->name)
    out.push_back({std::string(types::tenant_renamed), "tenants/" + t->id.value, t->id, ++version,
                   core::to_json(boost::json::object{{"name", *c.name}})});

  TenantSettings next = t->settings;
  boost::json::array changed;
  if (c.currency && *c.currency != next.currency) {
    // One currency per tenant at all times, so every sum of money in it means something.
    if (t->transactions > 0)
      return core::make_error(errc::conflict, "the currency cannot change once the tenant's wallets have transactions");
    next.currency = *c.currency;
    changed.emplace_back("currency");
  }
  bool costs_changed = false;
  for (const auto& [type, cost] : c.activity_costs) {
    auto [it, inserted] = next.activity_costs.try_emplace(type, cost);
    if (!inserted && it->second == cost) continue;
    it->second = cost;
    costs_changed = true;
  }
  if (costs_changed) changed.emplace_back("activity_costs");
  if (c.max_users && *c.max_users != next.max_users) {
    if (*c.max_users < static_cast<int64_t>(t->users.size()))
      return core::make_error(errc::conflict, "the tenant already has " + std::to_string(t->users.size()) +
                                                  " users, more than max_users " + std::to_string(*c.max_users));
    next.max_users = *c.max_users;
    changed.emplace_back("max_users");
  }
  if (!changed.empty())
    out.push_back({std::string(types::tenant_settings_changed), "tenants/" + t->id.value, t->id, ++version,
                   core::to_json(boost::json::object{{"settings", settings_json(next)}, {"changed", changed}})});
  return out;
}

}  // namespace regent::commands
