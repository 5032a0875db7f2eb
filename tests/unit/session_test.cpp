// Sign-ins and their refresh tokens, decided and evolved: spend, retry, reuse, logout, expiry.
#include <doctest/doctest.h>

#include "commands/snapshot.hpp"
#include "tests/unit/domain_helpers.hpp"

using namespace regent;
using namespace regent::commands;
using regent::testing::acme;
using regent::testing::apply_drafts;

namespace {
constexpr int64_t kDay = 24LL * 3600 * 1000;

struct Signed {
  PartitionState s;
  CreateTenant t = acme();
  std::string session = core::uuid_v7();
  int64_t now = 1'800'000'000'000;
  Signed() {
    apply_drafts(s, decide(s, t, Context{}).value(), at(now));
    apply_drafts(s, decide(s, RecordLogin{t.tenant_id, t.admin_id, session, "h0" + pad(), now + 30 * kDay, ""}, at(now)).value(),
                 at(now));
  }
  static std::string pad() { return std::string(41, 'x'); }  // keyed hashes are 43 characters
  static Context at(int64_t ms) {
    Context c;
    c.now = ms;
    return c;
  }
  Decision refresh(const std::string& hash, const std::string& next, int64_t ms) {
    return decide(s, RefreshSession{t.tenant_id, hash + pad(), next + pad(), core::uuid_v7()}, at(ms));
  }
  void apply(const Decision& d, int64_t ms) { apply_drafts(s, d.value(), at(ms)); }
  const SessionState& state() const { return *s.tenant(t.tenant_id)->session(session); }
};
}  // namespace

TEST_CASE("a sign-in keeps its refresh token's hash and expiry; a refresh spends it for the next") {
  Signed x;
  CHECK(x.state().refresh_hash == "h0" + Signed::pad());
  CHECK(x.state().expires_at == x.now + 30 * kDay);
  auto d = x.refresh("h0", "h1", x.now + 1000);
  REQUIRE(d.ok());
  REQUIRE(d->size() == 1);
  CHECK(d->at(0).type == "session.refreshed");
  CHECK(d->at(0).subject == "users/" + x.t.admin_id.value + "/sessions/" + x.session);
  CHECK(d->at(0).data.find("h0") == std::string::npos);  // only the new token's hash travels
  x.apply(d, x.now + 1000);
  CHECK(x.state().refresh_hash == "h1" + Signed::pad());
  CHECK(x.state().spent.count("h0" + Signed::pad()) == 1);
  CHECK(x.state().revoked.empty());
  // The new token refreshes in its turn.
  CHECK(x.refresh("h1", "h2", x.now + 2000)->at(0).type == "session.refreshed");
}

TEST_CASE("a spent refresh token presented again soon is refused; later it revokes the whole sign-in") {
  Signed x;
  x.apply(x.refresh("h0", "h1", x.now), x.now);
  auto retry = x.refresh("h0", "hx", x.now + kRefreshRetryGraceMs - 1);
  REQUIRE_FALSE(retry.ok());
  CHECK(retry.error().code == core::errc::unauthenticated);
  auto reuse = x.refresh("h0", "hy", x.now + kRefreshRetryGraceMs);
  REQUIRE(reuse.ok());
  REQUIRE(reuse->size() == 1);
  CHECK(reuse->at(0).type == "session.revoked");
  CHECK(reuse->at(0).data.find("refresh_token_reuse") != std::string::npos);
  x.apply(reuse, x.now + kRefreshRetryGraceMs);
  CHECK(x.state().revoked == "refresh_token_reuse");
  // Every token of the sign-in is dead: the current one too.
  CHECK_FALSE(x.refresh("h1", "h2", x.now + kRefreshRetryGraceMs + 1).ok());
  CHECK_FALSE(x.refresh("h0", "h3", x.now + 10 * kRefreshRetryGraceMs).ok());  // and no second revocation
}

TEST_CASE("unknown, expired and revoked refresh tokens are refused alike") {
  Signed x;
  for (auto d : {x.refresh("nope", "h1", x.now), x.refresh("h0", "h1", x.now + 30 * kDay)}) {
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().code == core::errc::unauthenticated);
  }
  CHECK_FALSE(decide(x.s, RefreshSession{core::TenantId{core::uuid_v7()}, "h0" + Signed::pad(), "h1", "n"},
                     Signed::at(x.now)).ok());
}

TEST_CASE("logging out revokes the sign-in once; other tokens change nothing") {
  Signed x;
  auto none = decide(x.s, EndSession{x.t.tenant_id, "nope" + Signed::pad()}, Signed::at(x.now));
  REQUIRE(none.ok());
  CHECK(none->empty());
  auto out = decide(x.s, EndSession{x.t.tenant_id, "h0" + Signed::pad()}, Signed::at(x.now));
  REQUIRE(out.ok());
  REQUIRE(out->size() == 1);
  CHECK(out->at(0).type == "session.revoked");
  CHECK(out->at(0).data.find("logout") != std::string::npos);
  x.apply(out, x.now);
  CHECK(x.state().revoked == "logout");
  CHECK(decide(x.s, EndSession{x.t.tenant_id, "h0" + Signed::pad()}, Signed::at(x.now))->empty());
  CHECK_FALSE(x.refresh("h0", "h1", x.now).ok());
}

TEST_CASE("a user's expired sign-ins are forgotten at its next sign-in, and sessions survive a snapshot") {
  Signed x;
  x.apply(x.refresh("h0", "h1", x.now), x.now);
  std::string second = core::uuid_v7();
  int64_t later = x.now + 31 * kDay;
  x.apply(decide(x.s, RecordLogin{x.t.tenant_id, x.t.admin_id, second, "k0" + Signed::pad(), later + 30 * kDay, ""},
                 Signed::at(later)),
          later);
  const TenantState& t = *x.s.tenant(x.t.tenant_id);
  CHECK(t.session(x.session) == nullptr);
  CHECK(t.session_by_refresh("h0" + Signed::pad()) == nullptr);
  CHECK(t.session_by_refresh("h1" + Signed::pad()) == nullptr);
  REQUIRE(t.session(second) != nullptr);
  CHECK(t.user(x.t.admin_id)->sessions == std::vector<std::string>{second});
  // A snapshot keeps sign-ins whole, spent hashes included.
  x.apply(decide(x.s, RefreshSession{x.t.tenant_id, "k0" + Signed::pad(), "k1" + Signed::pad(), core::uuid_v7()}, Signed::at(later)),
          later);
  auto decoded = decode_snapshot(encode_snapshot(x.s));
  REQUIRE(decoded.ok());
  CHECK(encode_snapshot(decoded.value()) == encode_snapshot(x.s));
  const TenantState& d = *decoded->tenant(x.t.tenant_id);
  CHECK(d.session_by_refresh("k0" + Signed::pad())->id == second);
  CHECK(d.session_by_refresh("k1" + Signed::pad())->id == second);
}

TEST_CASE("deactivating and reactivating a user: the transitions, who may, and the sign-ins that end") {
  Signed x;
  auto bob = regent::testing::user(x.t.tenant_id, "bob@acme.test");
  auto boss = regent::testing::user(x.t.tenant_id, "meg@acme.test", {"manager"});
  Context admin = Signed::at(x.now);
  admin.actor_id = x.t.admin_id.value;
  admin.actor_roles = {"admin"};
  x.apply(decide(x.s, bob, admin), x.now);
  x.apply(decide(x.s, boss, admin), x.now);
  std::string bobs = core::uuid_v7();
  x.apply(decide(x.s, RecordLogin{x.t.tenant_id, bob.user_id, bobs, "b0" + Signed::pad(), x.now + kDay, ""}, admin), x.now);

  auto off = decide(x.s, SetUserActive{x.t.tenant_id, bob.user_id, false, 1}, admin);
  REQUIRE(off.ok());
  CHECK(off->at(0).type == "user.deactivated");
  CHECK(off->at(0).sequence == 2);
  x.apply(off, x.now);
  const TenantState& t = *x.s.tenant(x.t.tenant_id);
  CHECK(t.user(bob.user_id)->status == "deactivated");
  CHECK(t.user(bob.user_id)->version == 2);
  CHECK(t.session(bobs)->revoked == "user_deactivated");
  CHECK(x.state().revoked.empty());  // the admin's own sign-in is untouched
  CHECK_FALSE(decide(x.s, RefreshSession{x.t.tenant_id, "b0" + Signed::pad(), "b1" + Signed::pad(), core::uuid_v7()},
                     Signed::at(x.now)).ok());
  CHECK_FALSE(decide(x.s, RecordLogin{x.t.tenant_id, bob.user_id, core::uuid_v7(), "", 0, ""}, admin).ok());

  auto twice = decide(x.s, SetUserActive{x.t.tenant_id, bob.user_id, false, std::nullopt}, admin);
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().code == core::errc::invalid_transition);
  auto stale = decide(x.s, SetUserActive{x.t.tenant_id, bob.user_id, true, 1}, admin);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().code == core::errc::version_mismatch);
  auto on = decide(x.s, SetUserActive{x.t.tenant_id, bob.user_id, true, 2}, admin);
  REQUIRE(on.ok());
  CHECK(on->at(0).type == "user.reactivated");
  x.apply(on, x.now);
  CHECK(x.s.tenant(x.t.tenant_id)->user(bob.user_id)->status == "active");
  CHECK(x.s.tenant(x.t.tenant_id)->session(bobs)->revoked == "user_deactivated");  // stays ended
  auto again = decide(x.s, SetUserActive{x.t.tenant_id, bob.user_id, true, std::nullopt}, admin);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == core::errc::invalid_transition);

  // Who may: a manager for non-admins only, nobody for themselves, viewers never.
  Context manager = Signed::at(x.now);
  manager.actor_id = boss.user_id.value;
  manager.actor_roles = {"manager"};
  CHECK(decide(x.s, SetUserActive{x.t.tenant_id, bob.user_id, false, std::nullopt}, manager).ok());
  CHECK(decide(x.s, SetUserActive{x.t.tenant_id, x.t.admin_id, false, std::nullopt}, manager).error().code ==
        core::errc::forbidden);
  CHECK(decide(x.s, SetUserActive{x.t.tenant_id, x.t.admin_id, false, std::nullopt}, admin).error().code ==
        core::errc::forbidden);  // oneself
  Context viewer = Signed::at(x.now);
  viewer.actor_id = bob.user_id.value;
  viewer.actor_roles = {"viewer"};
  CHECK(decide(x.s, SetUserActive{x.t.tenant_id, boss.user_id, false, std::nullopt}, viewer).error().code ==
        core::errc::forbidden);
  CHECK(decide(x.s, SetUserActive{x.t.tenant_id, core::UserId{core::uuid_v7()}, false, std::nullopt}, admin).error().code ==
        core::errc::not_found);
}
