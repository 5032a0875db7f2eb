#include <doctest/doctest.h>

#include "core/json.hpp"
#include "tests/unit/domain_helpers.hpp"

using namespace regent;
using namespace regent::commands;

using namespace regent::testing;

TEST_CASE("creating a tenant yields tenant.created and the admin's user.created") {
  PartitionState s;
  auto c = acme();
  auto d = decide(s, c, Context{});
  REQUIRE(d.ok());
  REQUIRE(d->size() == 2);
  CHECK(d->at(0).type == "tenant.created");
  CHECK(d->at(1).type == "user.created");
  CHECK(d->at(1).subject == "users/" + c.admin_id.value);
  apply_drafts(s, d.value());
  const auto* t = s.tenant_by("acme");
  REQUIRE(t != nullptr);
  CHECK(t->users.size() == 1);
  CHECK(t->user_by("ada@ACME.test") != nullptr);
  CHECK(t->user(c.admin_id)->roles == std::vector<std::string>{"admin"});
}

TEST_CASE("a taken slug is refused") {
  PartitionState s;
  apply_drafts(s, decide(s, acme(), Context{}).value());
  auto again = decide(s, acme(), Context{});
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == core::errc::slug_taken);
}

TEST_CASE("emails are unique per tenant, compared case-insensitively") {
  PartitionState s;
  auto t = acme();
  apply_drafts(s, decide(s, t, Context{}).value());
  auto first = decide(s, user(t.tenant_id, "bob@acme.test"), admin_ctx());
  REQUIRE(first.ok());
  apply_drafts(s, first.value());
  auto dup = decide(s, user(t.tenant_id, "BOB@acme.TEST"), admin_ctx());
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == core::errc::email_taken);
}

TEST_CASE("max_users is never exceeded") {
  PartitionState s;
  auto t = acme();
  apply_drafts(s, decide(s, t, Context{}).value());
  s.tenants[t.tenant_id].settings.max_users = 2;
  apply_drafts(s, decide(s, user(t.tenant_id, "b@acme.test"), admin_ctx()).value());
  auto third = decide(s, user(t.tenant_id, "c@acme.test"), admin_ctx());
  REQUIRE_FALSE(third.ok());
  CHECK(third.error().code == core::errc::limit_reached);
}

TEST_CASE("a manager may not create an admin, an admin may") {
  PartitionState s;
  auto t = acme();
  apply_drafts(s, decide(s, t, Context{}).value());
  Context manager;
  manager.actor_roles = {"manager"};
  auto refused = decide(s, user(t.tenant_id, "x@acme.test", {"admin"}), manager);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == core::errc::forbidden);
  CHECK(decide(s, user(t.tenant_id, "x@acme.test", {"viewer"}), manager).ok());
  CHECK(decide(s, user(t.tenant_id, "x@acme.test", {"admin"}), admin_ctx()).ok());
}

TEST_CASE("a sub-user's parent must exist in the tenant and not be a sub-user itself") {
  PartitionState s;
  auto t = acme();
  apply_drafts(s, decide(s, t, Context{}).value());
  auto orphan = user(t.tenant_id, "o@acme.test");
  orphan.parent_user_id = core::uuid_v7();
  auto r = decide(s, orphan, admin_ctx());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == core::errc::validation_failed);
  CHECK(r.error().errors.at(0).field == "parent_user_id");

  auto child = user(t.tenant_id, "c@acme.test");
  child.parent_user_id = t.admin_id.value;
  auto ok = decide(s, child, admin_ctx());
  REQUIRE(ok.ok());
  apply_drafts(s, ok.value());
  auto grandchild = user(t.tenant_id, "g@acme.test");
  grandchild.parent_user_id = child.user_id.value;
  CHECK_FALSE(decide(s, grandchild, admin_ctx()).ok());
}

TEST_CASE("users of an unknown tenant are not found") {
  PartitionState s;
  auto r = decide(s, user(core::TenantId{core::uuid_v7()}, "a@b.test"), admin_ctx());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == core::errc::not_found);
}

TEST_CASE("a login is recorded as a session event and never bumps the user's version") {
  PartitionState s;
  auto t = acme();
  apply_drafts(s, decide(s, t, Context{}).value());
  Context ctx;
  ctx.ip = "127.0.0.1";
  ctx.user_agent = "curl/8";
  RecordLogin login{t.tenant_id, t.admin_id, core::uuid_v7(), "", 0, ""};
  auto r = decide(s, login, ctx);
  REQUIRE(r.ok());
  CHECK(r->at(0).type == "user.logged_in");
  CHECK(r->at(0).subject == "users/" + t.admin_id.value + "/sessions/" + login.session_id);
  apply_drafts(s, r.value());
  CHECK(s.tenant(t.tenant_id)->user(t.admin_id)->version == 1);
  auto doc = core::JsonDocument::parse(r->at(0).data);
  CHECK(core::get_string(doc->root()["personal"].value(), "ip") == std::optional<std::string_view>("127.0.0.1"));

  RecordLogin ghost{t.tenant_id, core::UserId{core::uuid_v7()}, core::uuid_v7(), "", 0, ""};
  auto refused = decide(s, ghost, ctx);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == core::errc::unauthenticated);
}

TEST_CASE("personal fields of user.created sit together under data.personal") {
  PartitionState s;
  auto d = decide(s, acme(), Context{});
  auto doc = core::JsonDocument::parse(d->at(1).data);
  auto personal = doc->root()["personal"];
  CHECK(core::get_string(personal.value(), "email").has_value());
  CHECK(core::get_string(personal.value(), "full_name").has_value());
  CHECK_FALSE(core::get_string(doc->root(), "email").has_value());
}
