// Users' profiles and roles, invitations and API keys, decided and evolved.
#include <doctest/doctest.h>

#include "commands/snapshot.hpp"
#include "core/json.hpp"
#include "tests/unit/domain_helpers.hpp"

using namespace regent;
using namespace regent::commands;
using regent::testing::acme;
using regent::testing::actor;
using regent::testing::apply_drafts;

namespace {
constexpr int64_t kNow = 1'800'000'000'000;
const std::string kHash(43, 'h');

struct Tenant {
  PartitionState s;
  CreateTenant t = acme();
  core::UserId manager, viewer;
  Tenant() {
    apply_drafts(s, decide(s, t, Context{}).value(), at(admin()));
    auto m = testing::user(t.tenant_id, "max@acme.test", {"manager"});
    auto v = testing::user(t.tenant_id, "vi@acme.test", {"viewer"});
    manager = m.user_id;
    viewer = v.user_id;
    apply_drafts(s, decide(s, m, admin()).value(), at(admin()));
    apply_drafts(s, decide(s, v, admin()).value(), at(admin()));
  }
  Context admin() const { return at(actor(t.admin_id, {"admin"})); }
  Context as_manager() const { return at(actor(manager, {"manager"})); }
  Context as_viewer() const { return at(actor(viewer, {"viewer"})); }
  Context key(std::vector<std::string> scopes, int64_t now = kNow) const {
    Context c;
    c.actor_id = core::uuid_v7();
    c.actor_type = "api_key";
    c.actor_scopes = std::move(scopes);
    c.now = now;
    return c;
  }
  static Context at(Context c, int64_t now = kNow) {
    c.now = now;
    return c;
  }
  template <class C>
  Decision run(const C& c, const Context& ctx) {
    auto d = decide(s, c, ctx);
    if (d) apply_drafts(s, d.value(), ctx);
    return d;
  }
  const TenantState& state() const { return *s.tenant(t.tenant_id); }
  const UserState& user(const core::UserId& id) const { return *state().user(id); }
};

CreateInvitation invite(const Tenant& x, std::string email, std::vector<std::string> roles, std::string hash = kHash) {
  return CreateInvitation{x.t.tenant_id, core::uuid_v7(), core::UserId{core::uuid_v7()}, std::move(email), std::move(roles), std::move(hash),
                          std::string(43, 'n'), kNow + kInvitationTtlMs};
}
}  // namespace

TEST_CASE("PATCH a user: what is given changes, emails stay unique whatever their case") {
  Tenant x;
  // Nothing given, nothing appended (the handler leaves out what equals the current value: the
  // state holds sealed values, which deciding cannot compare).
  UpdateUser nothing{x.t.tenant_id, x.viewer, std::nullopt, std::nullopt, std::nullopt};
  CHECK(x.run(nothing, x.admin())->empty());
  int64_t before = x.user(x.viewer).version;
  UpdateUser rename{x.t.tenant_id, x.viewer, std::nullopt, std::string("Vi Viewer"), before};
  auto d = x.run(rename, x.admin());
  REQUIRE(d.ok());
  REQUIRE(d->size() == 1);
  CHECK(d->at(0).type == "user.updated");
  CHECK(d->at(0).data.find("vi@acme.test") == std::string::npos);  // only what changed travels
  CHECK(testing::opened(x.viewer, x.user(x.viewer).full_name, "full_name") == "Vi Viewer");
  CHECK(x.user(x.viewer).version == before + 1);
  // A stale If-Match, someone else's email in another case, or a manager on an admin: refused.
  CHECK(x.run(rename, x.admin()).error().code == core::errc::version_mismatch);
  UpdateUser taken{x.t.tenant_id, x.viewer, std::string("MAX@acme.TEST"), std::nullopt, std::nullopt};
  CHECK(x.run(taken, x.admin()).error().code == core::errc::email_taken);
  UpdateUser on_admin{x.t.tenant_id, x.t.admin_id, std::nullopt, std::string("Not Ada"), std::nullopt};
  CHECK(x.run(on_admin, x.as_manager()).error().code == core::errc::forbidden);
  CHECK(x.run(rename, x.as_viewer()).error().code == core::errc::forbidden);
  // The new email is the user's at once, and the old one is free for someone else.
  UpdateUser move{x.t.tenant_id, x.viewer, std::string("Vi.New@acme.test"), std::nullopt, std::nullopt};
  REQUIRE(x.run(move, x.as_manager()).ok());
  CHECK(x.state().user_by("vi.new@ACME.test") == &x.user(x.viewer));
  CHECK(x.state().user_by("vi@acme.test") == nullptr);
  CHECK(x.run(testing::user(x.t.tenant_id, "vi@acme.test"), x.admin()).ok());
  // Another tenant's user is not found.
  Tenant other;
  UpdateUser across{other.t.tenant_id, x.viewer, std::nullopt, std::string("X"), std::nullopt};
  CHECK(other.run(across, other.admin()).error().code == core::errc::not_found);
}

TEST_CASE("erasure: admins only, never oneself nor the last admin, closes permissions first, erased for good") {
  Tenant x;
  REQUIRE(x.run(testing::user(x.t.tenant_id, "vi2@acme.test"), x.admin()).ok());  // unrelated, untouched
  auto asked = x.run(RequestPermission{x.t.tenant_id, core::uuid_v7(), x.viewer, "ga4:properties/1", "viewer", "a report", 0},
                     x.as_viewer());
  REQUIRE(asked.ok());
  int64_t version = x.user(x.viewer).version;
  CHECK(x.run(EraseUser{x.t.tenant_id, x.viewer, std::nullopt}, x.as_manager()).error().code == core::errc::forbidden);
  CHECK(x.run(EraseUser{x.t.tenant_id, x.viewer, std::nullopt}, x.key({"users:write"})).error().code == core::errc::forbidden);
  CHECK(x.run(EraseUser{x.t.tenant_id, x.t.admin_id, std::nullopt}, x.admin()).error().code == core::errc::forbidden);
  CHECK(x.run(EraseUser{x.t.tenant_id, x.t.admin_id, std::nullopt}, x.key({"admin"})).error().code == core::errc::conflict);
  CHECK(x.run(EraseUser{x.t.tenant_id, core::UserId{core::uuid_v7()}, std::nullopt}, x.admin()).error().code ==
        core::errc::not_found);
  CHECK(x.run(EraseUser{x.t.tenant_id, x.viewer, version + 1}, x.admin()).error().code == core::errc::version_mismatch);

  auto erased = x.run(EraseUser{x.t.tenant_id, x.viewer, version}, x.admin());
  REQUIRE(erased.ok());
  REQUIRE(erased->size() == 2);
  CHECK(erased->at(0).type == "permission.rejected");  // its open permissions close first
  CHECK(erased->at(1).type == "user.erased");
  const UserState& u = x.user(x.viewer);
  CHECK(u.status == "erased");
  CHECK(u.version == version + 1);
  CHECK((u.email.empty() && u.full_name.empty() && u.password_hash.empty() && u.email_index.empty()));
  const auto* perm = x.state().permission(core::get_text(core::JsonDocument::parse(asked->at(0).data)->root(), "permission_id"));
  REQUIRE(perm);
  CHECK(perm->status == "rejected");
  CHECK((perm->reason.empty() && perm->decision_reason.empty()));
  // Its email is free for a new user; the erased one stays erased, and commands on it find nobody.
  CHECK(x.state().user_by("vi@acme.test") == nullptr);
  CHECK(x.run(testing::user(x.t.tenant_id, "vi@acme.test"), x.admin()).ok());
  CHECK(x.run(EraseUser{x.t.tenant_id, x.viewer, std::nullopt}, x.admin())->empty());
  CHECK(x.run(UpdateUser{x.t.tenant_id, x.viewer, std::nullopt, std::string("Back"), std::nullopt}, x.admin()).error().code ==
        core::errc::not_found);
  // A snapshot keeps it so.
  auto decoded = decode_snapshot(encode_snapshot(x.s));
  REQUIRE(decoded.ok());
  CHECK(decoded->tenant(x.t.tenant_id)->user(x.viewer)->status == "erased");
  CHECK(decoded->tenant(x.t.tenant_id)->user(x.viewer)->email.empty());
}

TEST_CASE("roles: idempotent both ways, admin only, one role and one active admin kept") {
  Tenant x;
  ChangeRole give{x.t.tenant_id, x.viewer, "analyst", true};
  CHECK(x.run(give, x.as_manager()).error().code == core::errc::forbidden);  // a manager promotes nobody
  auto d = x.run(give, x.admin());
  REQUIRE(d->size() == 1);
  CHECK(d->at(0).type == "user.role_assigned");
  CHECK(x.run(give, x.admin())->empty());  // has it: nothing appended
  auto& roles = x.user(x.viewer).roles;
  CHECK(std::count(roles.begin(), roles.end(), "analyst") == 1);
  ChangeRole take{x.t.tenant_id, x.viewer, "analyst", false};
  CHECK(x.run(take, x.admin())->at(0).type == "user.role_revoked");
  CHECK(x.run(take, x.admin())->empty());  // lacks it: nothing appended
  ChangeRole last{x.t.tenant_id, x.viewer, "viewer", false};
  CHECK(x.run(last, x.admin()).error().code == core::errc::conflict);
  REQUIRE(x.run(ChangeRole{x.t.tenant_id, x.t.admin_id, "viewer", true}, x.admin()).ok());
  ChangeRole last_admin{x.t.tenant_id, x.t.admin_id, "admin", false};
  CHECK(x.run(last_admin, x.admin()).error().code == core::errc::conflict);
  // With a second admin, the first may step down.
  REQUIRE(x.run(ChangeRole{x.t.tenant_id, x.manager, "admin", true}, x.admin()).ok());
  CHECK(x.run(last_admin, x.admin()).ok());
  CHECK(x.run(ChangeRole{x.t.tenant_id, x.viewer, "super_admin", true}, x.admin()).error().code == core::errc::forbidden);
  // A key with users:write may; one without may not.
  CHECK(x.run(ChangeRole{x.t.tenant_id, x.viewer, "manager", true}, x.key({"users:read"})).error().code ==
        core::errc::forbidden);
  CHECK(x.run(ChangeRole{x.t.tenant_id, x.viewer, "manager", true}, x.key({"users:write"})).ok());
}

TEST_CASE("invitations: counted against max_users, one per email, accepted once, revoked, expiring") {
  Tenant x;
  CHECK(x.run(invite(x, "boss@acme.test", {"admin"}), x.as_manager()).error().code == core::errc::forbidden);
  CHECK(x.run(invite(x, "max@ACME.test", {"viewer"}), x.admin()).error().code == core::errc::email_taken);
  auto inv = invite(x, "new@acme.test", {"analyst"});
  auto d = x.run(inv, x.as_manager());
  REQUIRE(d.ok());
  CHECK(d->at(0).type == "invitation.created");
  CHECK(d->at(0).data.find(inv.nonce) != std::string::npos);
  CHECK(x.run(invite(x, "NEW@acme.test", {"viewer"}, std::string(43, 'i')), x.admin()).error().code ==
        core::errc::email_taken);
  CHECK(x.state().pending_invitations(kNow) == 1);
  // 3 users + 1 pending: a limit of 4 leaves no room for another user or invitation.
  REQUIRE(x.run(ChangeTenant{x.t.tenant_id, std::nullopt, std::nullopt, {}, 4, std::nullopt}, x.admin()).ok());
  CHECK(x.run(testing::user(x.t.tenant_id, "late@acme.test"), x.admin()).error().code == core::errc::limit_reached);
  CHECK(x.run(invite(x, "late@acme.test", {"viewer"}, std::string(43, 'j')), x.admin()).error().code ==
        core::errc::limit_reached);
  // Accepting fits: it was counted.
  AcceptInvitation accept{x.t.tenant_id, kHash, inv.invitee, "new@acme.test", "New Person",
                          "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"};
  CHECK(x.run(AcceptInvitation{x.t.tenant_id, std::string(43, 'z'), accept.user_id, accept.email, "X", accept.password_hash},
              Tenant::at(Context{}))
            .error()
            .code == core::errc::unauthenticated);
  // The handler opens the invitation's email and passes the invitee's id: anything else is refused.
  auto other_email = accept;
  other_email.email = "someone@else.test";
  CHECK(x.run(other_email, Tenant::at(Context{})).error().code == core::errc::conflict);
  auto other_user = accept;
  other_user.user_id = core::UserId{core::uuid_v7()};
  CHECK(x.run(other_user, Tenant::at(Context{})).error().code == core::errc::conflict);
  auto accepted = x.run(accept, Tenant::at(Context{}));
  REQUIRE(accepted.ok());
  REQUIRE(accepted->size() == 2);
  CHECK(accepted->at(0).type == "invitation.accepted");
  CHECK(accepted->at(1).type == "user.created");
  const UserState& joined = x.user(accept.user_id);
  CHECK(testing::opened(joined.id, joined.email, "email") == "new@acme.test");
  CHECK(joined.roles == std::vector<std::string>{"analyst"});
  CHECK(x.state().pending_invitations(kNow) == 0);
  // A token works once, and an accepted invitation cannot be revoked.
  AcceptInvitation again = accept;
  again.user_id = core::UserId{core::uuid_v7()};
  CHECK(x.run(again, Tenant::at(Context{})).error().code == core::errc::unauthenticated);
  CHECK(x.run(RevokeInvitation{x.t.tenant_id, inv.invitation_id}, x.admin()).error().code ==
        core::errc::invalid_transition);

  // Revoked: its token stops working, revoking again appends nothing. Expired: refused too.
  REQUIRE(x.run(ChangeTenant{x.t.tenant_id, std::nullopt, std::nullopt, {}, 100, std::nullopt}, x.admin()).ok());
  auto second = invite(x, "second@acme.test", {"viewer"}, std::string(43, 's'));
  REQUIRE(x.run(second, x.admin()).ok());
  CHECK(x.run(RevokeInvitation{x.t.tenant_id, second.invitation_id}, x.as_viewer()).error().code == core::errc::forbidden);
  CHECK(x.run(RevokeInvitation{x.t.tenant_id, second.invitation_id}, x.admin())->at(0).type == "invitation.revoked");
  CHECK(x.run(RevokeInvitation{x.t.tenant_id, second.invitation_id}, x.admin())->empty());
  AcceptInvitation revoked{x.t.tenant_id, std::string(43, 's'), second.invitee, second.email, "S", accept.password_hash};
  CHECK(x.run(revoked, Tenant::at(Context{})).error().code == core::errc::unauthenticated);
  auto third = invite(x, "third@acme.test", {"viewer"}, std::string(43, 't'));
  REQUIRE(x.run(third, x.admin()).ok());
  AcceptInvitation late{x.t.tenant_id, std::string(43, 't'), third.invitee, third.email, "T", accept.password_hash};
  CHECK(x.run(late, Tenant::at(Context{}, kNow + kInvitationTtlMs)).error().code == core::errc::unauthenticated);
  CHECK(x.state().pending_invitations(kNow + kInvitationTtlMs) == 0);
}

TEST_CASE("API keys: admin only, no stronger than their creator key, revoked once, use recorded once a minute") {
  Tenant x;
  CreateApiKey make{x.t.tenant_id, core::uuid_v7(), "ci", {"users:read", "wallets:write"}, kHash,
                    "rk_abcdefgh",  std::string(43, 'n'), 0};
  CHECK(x.run(make, x.as_manager()).error().code == core::errc::forbidden);
  CHECK(x.run(make, x.key({"users:read", "wallets:write"})).error().code == core::errc::forbidden);  // no admin scope
  CHECK(x.run(make, x.key({"admin", "users:read"})).error().code == core::errc::forbidden);  // lacks wallets:write
  CreateApiKey past = make;
  past.expires_at = kNow - 1;
  CHECK(x.run(past, x.admin()).error().code == core::errc::validation_failed);
  auto d = x.run(make, x.admin());
  REQUIRE(d.ok());
  CHECK(d->at(0).type == "api_key.created");
  const ApiKeyState* key = x.state().api_key_by(kHash);
  REQUIRE(key);
  CHECK(key->usable(kNow));
  CHECK(key->scopes == make.scopes);

  RecordKeyUse use{x.t.tenant_id, make.key_id};
  CHECK(x.run(use, Tenant::at(Context{}, kNow))->size() == 1);
  CHECK(x.state().api_key(make.key_id)->last_used_at == kNow);
  CHECK(x.run(use, Tenant::at(Context{}, kNow + kKeyUseEveryMs - 1))->empty());
  CHECK(x.run(use, Tenant::at(Context{}, kNow + kKeyUseEveryMs))->size() == 1);

  // A snapshot keeps keys and invitations whole.
  REQUIRE(x.run(invite(x, "snap@acme.test", {"viewer"}, std::string(43, 'q')), x.admin()).ok());
  auto decoded = decode_snapshot(encode_snapshot(x.s));
  REQUIRE(decoded.ok());
  CHECK(encode_snapshot(decoded.value()) == encode_snapshot(x.s));
  CHECK(decoded->tenant(x.t.tenant_id)->api_key_by(kHash) != nullptr);
  CHECK(decoded->tenant(x.t.tenant_id)->invitation_by_token(std::string(43, 'q')) != nullptr);

  CHECK(x.run(RevokeApiKey{x.t.tenant_id, make.key_id}, x.admin())->at(0).type == "api_key.revoked");
  CHECK_FALSE(x.state().api_key(make.key_id)->usable(kNow));
  CHECK(x.run(RevokeApiKey{x.t.tenant_id, make.key_id}, x.admin())->empty());
  CHECK(x.run(use, Tenant::at(Context{}, kNow + 10 * kKeyUseEveryMs))->empty());  // a revoked key is not used
  CHECK(x.run(RevokeApiKey{x.t.tenant_id, core::uuid_v7()}, x.admin()).error().code == core::errc::not_found);

  CreateApiKey expiring = make;
  expiring.key_id = core::uuid_v7();
  expiring.key_hash = std::string(43, 'e');
  expiring.expires_at = kNow + 1000;
  REQUIRE(x.run(expiring, x.admin()).ok());
  CHECK(x.state().api_key(expiring.key_id)->usable(kNow + 999));
  CHECK_FALSE(x.state().api_key(expiring.key_id)->usable(kNow + 1000));
}

TEST_CASE("a key's wallets:write credits and debits anyone's wallet; a manager debits only its own") {
  Tenant x;
  CreditWallet credit;
  credit.tenant_id = x.t.tenant_id;
  credit.user_id = x.viewer;
  credit.transaction_id = core::uuid_v7();
  credit.amount = 100;
  CHECK(x.run(credit, x.key({"users:write"})).error().code == core::errc::forbidden);
  REQUIRE(x.run(credit, x.key({"wallets:write"})).ok());
  DebitWallet debit;
  debit.tenant_id = x.t.tenant_id;
  debit.user_id = x.viewer;
  debit.transaction_id = core::uuid_v7();
  debit.amount = 10;
  CHECK(x.run(debit, x.as_manager()).error().code == core::errc::forbidden);
  CHECK(x.run(debit, x.as_viewer()).ok());
  CHECK(x.run(debit, x.key({"wallets:write"})).ok());
  CHECK(x.user(x.viewer).wallet.balance == 80);
}
