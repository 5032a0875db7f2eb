// The wallet rules of the write side: decide refuses what would break an invariant, evolve keeps
// balances and the tenant's totals in step.
#include <doctest/doctest.h>

#include "commands/money.hpp"
#include "core/json.hpp"
#include "tests/unit/domain_helpers.hpp"

using namespace regent;
using namespace regent::commands;
using namespace regent::testing;

namespace {
struct Tenant {
  PartitionState s;
  CreateTenant t = acme();
  Context admin;

  Tenant() {
    apply_drafts(s, decide(s, t, Context{}).value());
    admin = actor(t.admin_id, {"admin"});
  }
  const TenantState& state() const { return *s.tenant(t.tenant_id); }
  const WalletState& wallet(const core::UserId& u) const { return state().user(u)->wallet; }

  core::UserId add_user(std::string email, std::vector<std::string> roles = {"viewer"}, std::string parent = "") {
    auto c = user(t.tenant_id, std::move(email), std::move(roles));
    c.parent_user_id = std::move(parent);
    apply_drafts(s, decide(s, c, admin).value());
    return c.user_id;
  }

  template <class Movement>
  Movement movement(const core::UserId& u, int64_t amount) {
    Movement m;
    m.tenant_id = t.tenant_id;
    m.user_id = u;
    m.transaction_id = core::uuid_v7();
    m.amount = amount;
    return m;
  }

  Decision credit(const core::UserId& u, int64_t amount, const Context& by) {
    return run(movement<CreditWallet>(u, amount), by);
  }
  Decision debit(const core::UserId& u, int64_t amount, const Context& by) {
    return run(movement<DebitWallet>(u, amount), by);
  }
  Decision activity(const core::UserId& u, std::string type, const Context& by) {
    RecordActivity a{t.tenant_id, core::uuid_v7(), core::uuid_v7(), std::move(type), u};
    return run(a, by);
  }
  template <class Command>
  Decision run(const Command& c, const Context& by) {
    auto d = decide(s, c, by);
    if (d) apply_drafts(s, d.value(), by);
    return d;
  }
  bool conserved() const { return state().total_balance() == state().credited - state().debited; }
};

int64_t data_int(const Draft& d, std::string_view key) {
  auto doc = core::JsonDocument::parse(d.data);
  return core::get_int(doc->root(), key).value();
}
}  // namespace

TEST_CASE("every user's wallet opens empty, in the tenant's currency, at version 1") {
  Tenant x;
  const auto& w = x.wallet(x.t.admin_id);
  CHECK(w.balance == 0);
  CHECK(w.version == 1);
  auto d = decide(x.s, user(x.t.tenant_id, "b@acme.test"), x.admin);
  auto doc = core::JsonDocument::parse(d->at(0).data);
  CHECK(core::get_string(doc->root()["wallet"].value(), "currency") == std::optional<std::string_view>("USD"));
}

TEST_CASE("a credit raises the balance and the wallet's version, and its event says the balance after") {
  Tenant x;
  auto bob = x.add_user("bob@acme.test");
  auto d = x.credit(bob, 700, x.admin);
  REQUIRE(d.ok());
  REQUIRE(d->size() == 1);
  CHECK(d->at(0).type == "wallet.credited");
  CHECK(d->at(0).subject == "users/" + bob.value + "/wallet");
  CHECK(d->at(0).sequence == 2);
  CHECK(data_int(d->at(0), "balance_after") == 700);
  CHECK(x.wallet(bob).balance == 700);
  CHECK(x.wallet(bob).version == 2);
  CHECK(x.conserved());
}

TEST_CASE("a debit never takes a balance below zero") {
  Tenant x;
  auto bob = x.add_user("bob@acme.test");
  REQUIRE(x.credit(bob, 300, x.admin).ok());
  auto refused = x.debit(bob, 500, x.admin);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == core::errc::insufficient_funds);
  CHECK(refused.error().detail == "wallet balance 300 is below the debit of 500");
  auto exact = x.debit(bob, 300, x.admin);
  REQUIRE(exact.ok());
  CHECK(data_int(exact->at(0), "balance_after") == 0);
  CHECK(x.wallet(bob).balance == 0);
  CHECK_FALSE(x.debit(bob, 1, x.admin).ok());
  CHECK(x.conserved());
}

TEST_CASE("amounts are bounded: zero, negative and oversized amounts are refused, never wrapped") {
  Tenant x;
  auto bob = x.add_user("bob@acme.test");
  for (int64_t bad : {int64_t{0}, int64_t{-5}, kMaxAmount + 1, std::numeric_limits<int64_t>::max()}) {
    CAPTURE(bad);
    auto c = x.credit(bob, bad, x.admin);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().code == core::errc::validation_failed);
    CHECK(c.error().errors.at(0).field == "amount");
    CHECK_FALSE(x.debit(bob, bad, x.admin).ok());
  }
  CHECK(x.credit(bob, kMaxAmount, x.admin).ok());
  CHECK(x.wallet(bob).balance == kMaxAmount);
}

TEST_CASE("a balance never exceeds its maximum, so no sum can overflow") {
  Tenant x;
  auto bob = x.add_user("bob@acme.test");
  for (int64_t i = 0; i < kMaxBalance / kMaxAmount; ++i) REQUIRE(x.credit(bob, kMaxAmount, x.admin).ok());
  CHECK(x.wallet(bob).balance == kMaxBalance);
  auto over = x.credit(bob, 1, x.admin);
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == core::errc::limit_reached);
  CHECK(x.conserved());
}

TEST_CASE("only an admin credits, anyone debits their own wallet, only an admin another's") {
  Tenant x;
  auto bob = x.add_user("bob@acme.test", {"manager"});
  auto eve = x.add_user("eve@acme.test", {"viewer"});
  Context as_bob = actor(bob, {"manager"});
  auto self_credit = x.credit(bob, 100, as_bob);
  REQUIRE_FALSE(self_credit.ok());
  CHECK(self_credit.error().code == core::errc::forbidden);
  REQUIRE(x.credit(bob, 100, x.admin).ok());
  REQUIRE(x.credit(eve, 100, x.admin).ok());
  CHECK(x.debit(bob, 10, as_bob).ok());
  auto others = x.debit(eve, 10, as_bob);
  REQUIRE_FALSE(others.ok());
  CHECK(others.error().code == core::errc::forbidden);
  CHECK(x.debit(eve, 10, x.admin).ok());
  Context super = actor(core::UserId{core::uuid_v7()}, {"super_admin"});
  CHECK(x.credit(eve, 5, super).ok());
}

TEST_CASE("a wallet of another tenant, or of nobody, is not found (404 before 403)") {
  Tenant x;
  Tenant other;
  auto stranger = other.add_user("s@other.test");
  auto d = x.credit(stranger, 10, actor(x.t.admin_id, {"viewer"}));
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().code == core::errc::not_found);
  CHECK(x.debit(core::UserId{core::uuid_v7()}, 10, x.admin).error().code == core::errc::not_found);
}

TEST_CASE("If-Match on a wallet is its version") {
  Tenant x;
  auto bob = x.add_user("bob@acme.test");
  auto c = x.movement<CreditWallet>(bob, 50);
  c.expected_version = 2;
  auto stale = x.run(c, x.admin);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().code == core::errc::version_mismatch);
  c.expected_version = 1;
  CHECK(x.run(c, x.admin).ok());
  CHECK(x.wallet(bob).version == 2);
}

TEST_CASE("a deactivated user's wallet takes credits but no debits") {
  Tenant x;
  auto bob = x.add_user("bob@acme.test");
  REQUIRE(x.credit(bob, 100, x.admin).ok());
  x.s.tenants[x.t.tenant_id].users[bob].status = "deactivated";
  auto d = x.debit(bob, 10, x.admin);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().code == core::errc::conflict);
  CHECK(x.activity(bob, "form_download", x.admin).error().code == core::errc::conflict);
  CHECK(x.credit(bob, 10, x.admin).ok());
}

TEST_CASE("a description a person gives is sealed with the owner's personal fields; the system's is not") {
  Tenant x;
  auto bob = x.add_user("bob@acme.test");
  auto c = x.movement<CreditWallet>(bob, 1000);
  c.description = "refund for Bob Stone";
  auto d = x.run(c, x.admin);  // apply_drafts seals and holds the event to its schema
  REQUIRE(d.ok());
  auto doc = core::JsonDocument::parse(d->at(0).data);
  CHECK(doc->root()["description"].is_null());
  CHECK(core::get_text(doc->root()["personal"].value(), "description") == "refund for Bob Stone");
  auto paid = x.activity(bob, "report_generation", actor(bob, {"viewer"}));
  REQUIRE(paid.ok());
  auto debit = core::JsonDocument::parse(paid->at(1).data);
  CHECK(core::get_text(debit->root(), "description") == "report_generation");
  CHECK(debit->root()["personal"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("an activity charges the tenant's cost to the user's wallet") {
  Tenant x;
  auto bob = x.add_user("bob@acme.test");
  REQUIRE(x.credit(bob, 1000, x.admin).ok());
  auto d = x.activity(bob, "report_generation", actor(bob, {"viewer"}));
  REQUIRE(d.ok());
  REQUIRE(d->size() == 2);
  CHECK(d->at(0).type == "activity.recorded");
  CHECK(d->at(1).type == "wallet.debited");
  CHECK(data_int(d->at(1), "amount") == 500);
  CHECK(x.wallet(bob).balance == 500);
  auto poor = x.activity(bob, "report_generation", actor(bob, {"viewer"}));
  CHECK(poor.ok());
  auto broke = x.activity(bob, "report_generation", actor(bob, {"viewer"}));
  REQUIRE_FALSE(broke.ok());
  CHECK(broke.error().code == core::errc::insufficient_funds);
  CHECK(x.conserved());
}

TEST_CASE("a sub-user's activities are charged to its parent's wallet") {
  Tenant x;
  auto parent = x.add_user("parent@acme.test", {"manager"});
  auto child = x.add_user("child@acme.test", {"viewer"}, parent.value);
  REQUIRE(x.credit(parent, 1000, x.admin).ok());
  REQUIRE(x.credit(child, 50, x.admin).ok());
  auto d = x.activity(child, "form_download", actor(child, {"viewer"}));
  REQUIRE(d.ok());
  auto doc = core::JsonDocument::parse(d->at(0).data);
  CHECK(core::get_string(doc->root(), "charged_user_id") == std::optional<std::string_view>(parent.value));
  CHECK(d->at(1).subject == "users/" + parent.value + "/wallet");
  CHECK(x.wallet(parent).balance == 900);
  CHECK(x.wallet(child).balance == 50);
  // The child's own wallet being rich does not help when the parent's is empty.
  REQUIRE(x.debit(parent, 900, x.admin).ok());
  auto refused = x.activity(child, "form_download", actor(child, {"viewer"}));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == core::errc::insufficient_funds);
}

TEST_CASE("a free activity is recorded without a transaction") {
  Tenant x;
  ChangeTenant free;
  free.tenant_id = x.t.tenant_id;
  free.activity_costs["form_download"] = 0;
  REQUIRE(x.run(free, x.admin).ok());
  auto d = x.activity(x.t.admin_id, "form_download", x.admin);
  REQUIRE(d.ok());
  CHECK(d->size() == 1);
  CHECK(x.state().transactions == 0);
}

TEST_CASE("one may not record another user's activity without the admin role") {
  Tenant x;
  auto bob = x.add_user("bob@acme.test", {"analyst"});
  auto eve = x.add_user("eve@acme.test");
  auto d = x.activity(eve, "form_download", actor(bob, {"analyst"}));
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().code == core::errc::forbidden);
}

TEST_CASE("tenant changes: renamed and settings_changed, each a new version, only what changed") {
  Tenant x;
  ChangeTenant c;
  c.tenant_id = x.t.tenant_id;
  c.name = "Acme Corp";
  c.currency = "EUR";
  c.max_users = 5;
  auto d = x.run(c, x.admin);
  REQUIRE(d.ok());
  REQUIRE(d->size() == 2);
  CHECK(d->at(0).type == "tenant.renamed");
  CHECK(d->at(0).sequence == 2);
  CHECK(d->at(1).type == "tenant.settings_changed");
  CHECK(d->at(1).sequence == 3);
  CHECK(x.state().name == "Acme Corp");
  CHECK(x.state().settings.currency == "EUR");
  CHECK(x.state().settings.max_users == 5);
  CHECK(x.state().settings.activity_costs.at("report_generation") == 500);
  CHECK(x.state().version == 3);
  auto same = x.run(c, x.admin);
  REQUIRE(same.ok());
  CHECK(same->empty());
  auto stale = c;
  stale.name = "Other";
  stale.expected_version = 1;
  CHECK(x.run(stale, x.admin).error().code == core::errc::version_mismatch);
  CHECK(x.run(c, actor(x.t.admin_id, {"manager"})).error().code == core::errc::forbidden);
}

TEST_CASE("the currency is fixed once money moved, and max_users cannot go below the user count") {
  Tenant x;
  auto bob = x.add_user("bob@acme.test");
  ChangeTenant c;
  c.tenant_id = x.t.tenant_id;
  c.max_users = 1;
  CHECK(x.run(c, x.admin).error().code == core::errc::conflict);
  REQUIRE(x.credit(bob, 1, x.admin).ok());
  ChangeTenant currency;
  currency.tenant_id = x.t.tenant_id;
  currency.currency = "EUR";
  CHECK(x.run(currency, x.admin).error().code == core::errc::conflict);
  currency.currency = "USD";
  CHECK(x.run(currency, x.admin)->empty());
}

TEST_CASE("money is conserved through any mix of credits, debits and activities") {
  Tenant x;
  std::vector<core::UserId> users{x.t.admin_id};
  for (int i = 0; i < 5; ++i) users.push_back(x.add_user("u" + std::to_string(i) + "@acme.test"));
  users.push_back(x.add_user("child@acme.test", {"viewer"}, users[1].value));
  uint64_t seed = 42;
  auto next = [&] { return seed = seed * 6364136223846793005ULL + 1442695040888963407ULL, seed >> 33; };
  int refused = 0;
  for (int i = 0; i < 2000; ++i) {
    const auto& u = users[next() % users.size()];
    int64_t amount = 1 + static_cast<int64_t>(next() % 1000);
    Decision d = [&] {
      switch (next() % 3) {
        case 0: return x.credit(u, amount, x.admin);
        case 1: return x.debit(u, amount, x.admin);
        default: return x.activity(u, next() % 2 ? "form_download" : "report_generation", x.admin);
      }
    }();
    if (!d) {
      ++refused;
      CHECK(d.error().code == core::errc::insufficient_funds);
    }
    REQUIRE(x.conserved());
  }
  CHECK(refused > 0);
  for (const auto& [id, u] : x.state().users) CHECK(u.wallet.balance >= 0);
}
