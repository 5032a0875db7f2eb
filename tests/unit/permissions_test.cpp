// Permission requests on the write side: the transition table walked pair by pair against API.md's
// own sentences, who may ask and decide, and what a user's deactivation closes.
#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "commands/permissions.hpp"
#include "domain_helpers.hpp"
#include "events/event_types.hpp"

using namespace regent;
using namespace regent::commands;
using regent::testing::actor;
using regent::testing::apply_drafts;

namespace {

// API.md's "Permission requests" section as one string.
std::string permissions_section() {
  std::ifstream file(REGENT_API_MD);
  REQUIRE_MESSAGE(file.good(), "API.md is read from " REGENT_API_MD);
  std::stringstream all;
  all << file.rdbuf();
  std::string text = all.str();
  auto start = text.find("## Permission requests");
  REQUIRE(start != std::string::npos);
  auto end = text.find("\n## ", start + 1);
  return text.substr(start, end - start);
}

PermissionAction action_named(const std::string& verb) {
  for (auto a : kPermissionActions)
    if (std::string(to_string(a)) + "d" == verb || std::string(to_string(a)) + "ed" == verb) return a;
  FAIL("API.md names an action the table does not know: " << verb);
  return PermissionAction::approve;
}

// (from, action) -> to, as API.md words it: "Only pending can be approved or rejected; only
// approved can be revoked", and "An approved permission whose `expires_at` passes becomes `expired`".
std::map<std::pair<std::string, PermissionAction>, std::string> api_md_moves() {
  std::string text = permissions_section();
  std::map<std::pair<std::string, PermissionAction>, std::string> moves;
  std::regex only(R"(only (\w+) can be (\w+)(?: or (\w+))?)", std::regex::icase);
  for (std::sregex_iterator it(text.begin(), text.end(), only), end; it != end; ++it)
    for (size_t g = 2; g <= 3; ++g)
      if ((*it)[g].matched) moves[{(*it)[1].str(), action_named((*it)[g].str())}] = (*it)[g].str();
  std::regex expiry(R"(An (\w+) permission whose `expires_at` passes becomes `(\w+)`)");
  std::smatch m;
  REQUIRE(std::regex_search(text, m, expiry));
  moves[{m[1].str(), PermissionAction::expire}] = m[2].str();
  return moves;
}

struct World {
  PartitionState s;
  core::TenantId tenant;
  core::UserId admin, admin2, manager, analyst, viewer;
  int64_t now = core::now_millis();

  World() {
    auto t = regent::testing::acme();
    tenant = t.tenant_id;
    admin = t.admin_id;
    apply_drafts(s, decide(s, t, {}).value());
    auto add = [&](const std::string& email, std::vector<std::string> roles) {
      auto c = regent::testing::user(tenant, email, std::move(roles));
      apply_drafts(s, decide(s, c, actor(admin, {"admin"})).value());
      return c.user_id;
    };
    admin2 = add("root@acme.test", {"admin"});
    manager = add("max@acme.test", {"manager"});
    analyst = add("ann@acme.test", {"analyst"});
    viewer = add("vic@acme.test", {"viewer"});
  }

  Context as(const core::UserId& who, std::vector<std::string> roles) const {
    auto ctx = actor(who, std::move(roles));
    ctx.now = now;
    return ctx;
  }

  std::string request(const core::UserId& for_user, const Context& ctx, int64_t expires_at = 0) {
    RequestPermission c{tenant, core::uuid_v7(), for_user, "ga4:properties/123456", "analyst", "a report", expires_at};
    auto d = decide(s, c, ctx);
    REQUIRE_MESSAGE(d.ok(), (d.ok() ? "" : d.error().detail));
    apply_drafts(s, d.value(), ctx);
    return c.permission_id;
  }

  Decision act(const std::string& id, PermissionAction a, const Context& ctx, std::string reason = "because") {
    return decide(s, DecidePermission{tenant, id, a, 0, std::move(reason), std::nullopt}, ctx);
  }

  const PermissionState& get(const std::string& id) const { return *s.tenant(tenant)->permission(id); }
};

// A permission of the viewer's in `status`, reached by the moves API.md allows.
std::string in_status(World& w, const std::string& status, bool ending) {
  auto approver = w.as(w.admin, {"admin"});
  std::string id = w.request(w.viewer, w.as(w.viewer, {"viewer"}), ending || status == "expired" ? w.now + 1000 : 0);
  auto step = [&](PermissionAction a, int64_t at) {
    auto ctx = approver;
    ctx.now = at;
    auto d = w.act(id, a, ctx);
    REQUIRE_MESSAGE(d.ok(), (d.ok() ? "" : d.error().detail));
    apply_drafts(w.s, d.value(), ctx);
  };
  if (status == "approved" || status == "revoked" || status == "expired") step(PermissionAction::approve, w.now);
  if (status == "rejected") step(PermissionAction::reject, w.now);
  if (status == "revoked") step(PermissionAction::revoke, w.now);
  if (status == "expired") step(PermissionAction::expire, w.now + 2000);
  REQUIRE(w.get(id).status == status);
  return id;
}

}  // namespace

TEST_CASE("every (status, action) pair moves as API.md says, or is 409 invalid_transition") {
  auto expected = api_md_moves();
  REQUIRE(expected.size() == 4);
  CHECK(permission_transitions().size() == expected.size());
  // Readers (evolve, the permissions projection) take the status from the event's type.
  for (const auto& tr : permission_transitions()) {
    CHECK(tr.event == "permission." + std::string(tr.to));
    CHECK(status_after(tr.event) == tr.to);
  }
  for (auto status : kPermissionStatuses)
    for (auto action : kPermissionActions) {
      World w;
      // An end in the past of the decision for expiries, none otherwise (an approval keeps it).
      std::string id = in_status(w, std::string(status), action == PermissionAction::expire);
      auto ctx = w.as(w.admin2, {"admin"});
      ctx.now = w.now + 5000;
      CAPTURE(std::string(status));
      CAPTURE(std::string(to_string(action)));
      auto d = w.act(id, action, ctx);
      auto move = expected.find({std::string(status), action});
      if (move == expected.end()) {
        REQUIRE_FALSE(d.ok());
        CHECK(d.error().code == core::errc::invalid_transition);
        continue;
      }
      REQUIRE_MESSAGE(d.ok(), (d.ok() ? "" : d.error().detail));
      REQUIRE(d.value().size() == 1);
      CHECK(d.value()[0].type == "permission." + move->second);
      apply_drafts(w.s, d.value(), ctx);
      CHECK(w.get(id).status == move->second);
      CHECK(d.value()[0].sequence == w.get(id).version);
    }
}

TEST_CASE("who may ask for a permission, and for whom") {
  World w;
  CHECK(!w.request(w.viewer, w.as(w.viewer, {"viewer"})).empty());  // for oneself: any role
  RequestPermission c{w.tenant, core::uuid_v7(), w.analyst, "ga4:properties/9", "viewer", "x", 0};
  CHECK(decide(w.s, c, w.as(w.viewer, {"viewer"})).error().code == core::errc::forbidden);  // not for another
  CHECK(decide(w.s, c, w.as(w.manager, {"manager"})).ok());                              // a manager: non-admins
  c.user_id = w.admin2;
  CHECK(decide(w.s, c, w.as(w.manager, {"manager"})).error().code == core::errc::forbidden);
  CHECK(decide(w.s, c, w.as(w.admin, {"admin"})).ok());
  Context key;
  key.actor_id = core::uuid_v7();
  key.actor_type = "api_key";
  key.actor_scopes = {"permissions:write"};
  key.now = w.now;
  CHECK(decide(w.s, c, key).ok());
  key.actor_scopes = {"users:write"};
  CHECK(decide(w.s, c, key).error().code == core::errc::forbidden);
  // One pending or approved per user, resource and level; another level is another request.
  RequestPermission again{w.tenant, core::uuid_v7(), w.viewer, "ga4:properties/123456", "analyst", "again", 0};
  CHECK(decide(w.s, again, w.as(w.viewer, {"viewer"})).error().code == core::errc::conflict);
  again.level = "editor";
  CHECK(decide(w.s, again, w.as(w.viewer, {"viewer"})).ok());
  again.expires_at = w.now - 1;
  CHECK(decide(w.s, again, w.as(w.viewer, {"viewer"})).error().code == core::errc::validation_failed);
  again.expires_at = 0;
  again.user_id = core::UserId{core::uuid_v7()};
  CHECK(decide(w.s, again, w.as(w.admin, {"admin"})).error().code == core::errc::not_found);
}

TEST_CASE("viewers and analysts cannot decide; nobody decides a permission of their own or one they asked for") {
  World w;
  std::string own = w.request(w.admin, w.as(w.admin, {"admin"}));
  CHECK(w.act(own, PermissionAction::approve, w.as(w.admin, {"admin"})).error().code == core::errc::forbidden);
  std::string asked = w.request(w.viewer, w.as(w.manager, {"manager"}));
  CHECK(w.act(asked, PermissionAction::approve, w.as(w.manager, {"manager"})).error().code == core::errc::forbidden);
  CHECK(w.act(asked, PermissionAction::reject, w.as(w.viewer, {"viewer"})).error().code == core::errc::forbidden);
  CHECK(w.act(asked, PermissionAction::approve, w.as(w.analyst, {"analyst"})).error().code == core::errc::forbidden);
  CHECK(w.act(asked, PermissionAction::approve, w.as(w.admin, {"admin"})).ok());
  CHECK(w.act(own, PermissionAction::approve, w.as(w.manager, {"manager"})).ok());  // a manager, for an admin
  // If-Match is the permission's version.
  DecidePermission stale{w.tenant, asked, PermissionAction::approve, 0, "", 7};
  CHECK(decide(w.s, stale, w.as(w.admin2, {"admin"})).error().code == core::errc::version_mismatch);
  stale.expected_version = 1;
  CHECK(decide(w.s, stale, w.as(w.admin2, {"admin"})).ok());
}

TEST_CASE("an expiry is recorded once due and once only, and an approval's end must lie ahead") {
  World w;
  std::string id = w.request(w.viewer, w.as(w.viewer, {"viewer"}), w.now + 60'000);
  auto admin = w.as(w.admin, {"admin"});
  apply_drafts(w.s, w.act(id, PermissionAction::approve, admin).value(), admin);
  Context scheduler;
  scheduler.actor_type = "system";
  scheduler.now = w.now + 59'000;
  CHECK(w.act(id, PermissionAction::expire, scheduler).error().code == core::errc::invalid_transition);  // not yet
  scheduler.now = w.now + 60'000;
  auto due = w.act(id, PermissionAction::expire, scheduler);
  REQUIRE(due.ok());
  apply_drafts(w.s, due.value(), scheduler);
  CHECK(w.get(id).status == "expired");
  CHECK(w.act(id, PermissionAction::expire, scheduler).error().code == core::errc::invalid_transition);  // once
  // Approving with an end in the past, or keeping a requested one that has passed, is refused.
  std::string late = w.request(w.analyst, w.as(w.analyst, {"analyst"}), w.now + 10);
  auto after = admin;
  after.now = w.now + 20;
  CHECK(w.act(late, PermissionAction::approve, after).error().code == core::errc::validation_failed);
  DecidePermission renewed{w.tenant, late, PermissionAction::approve, w.now + 3'600'000, "", std::nullopt};
  auto ok = decide(w.s, renewed, after);
  REQUIRE(ok.ok());
  apply_drafts(w.s, ok.value(), after);
  CHECK(w.get(late).expires_at == w.now + 3'600'000);
  CHECK(w.get(late).decided_by == w.admin.value);
}

TEST_CASE("deactivating a user rejects its pending requests and revokes its approved permissions, with the reason") {
  World w;
  std::string pending = w.request(w.viewer, w.as(w.viewer, {"viewer"}));
  RequestPermission other{w.tenant, core::uuid_v7(), w.viewer, "ga4:properties/77", "viewer", "x", 0};
  apply_drafts(w.s, decide(w.s, other, w.as(w.viewer, {"viewer"})).value());
  auto admin = w.as(w.admin, {"admin"});
  apply_drafts(w.s, w.act(other.permission_id, PermissionAction::approve, admin).value(), admin);
  std::string elsewhere = w.request(w.analyst, w.as(w.analyst, {"analyst"}));
  auto d = decide(w.s, SetUserActive{w.tenant, w.viewer, false, std::nullopt}, admin);
  REQUIRE(d.ok());
  std::multiset<std::string> types;
  for (const auto& e : d.value()) types.insert(e.type);
  CHECK(types == std::multiset<std::string>{"user.deactivated", "permission.rejected", "permission.revoked"});
  for (const auto& e : d.value())
    if (e.type.starts_with("permission.")) CHECK(e.data.find("the user was deactivated") != std::string::npos);
  apply_drafts(w.s, d.value(), admin);
  CHECK(w.get(pending).status == "rejected");
  CHECK(w.get(other.permission_id).status == "revoked");
  CHECK(w.get(elsewhere).status == "pending");  // another user's stays
  // Deactivated, it cannot ask again.
  CHECK(decide(w.s, RequestPermission{w.tenant, core::uuid_v7(), w.viewer, "ga4:properties/1", "viewer", "x", 0},
               w.as(w.viewer, {"viewer"}))
            .error()
            .code == core::errc::conflict);
}
