// Tenant isolation, walked over every route that takes an id: another tenant's ids are 404 and
// change nothing there, a body naming another tenant's user is refused, and only a super_admin
// acts in another tenant.
#include <regex>

#include "api/router.hpp"
#include "core/ids.hpp"
#include "tests/integration/fixture.hpp"

namespace regent::api {
std::vector<Route> all_routes();
}

using namespace regent::test;

namespace {
// A request each id-taking route accepts from an admin of the right tenant, by method and pattern.
// A new route with an id must be added here: the walk fails on one it does not know.
const std::map<std::string, std::string> kBodies = {
    {"GET /v1/users/{id}", ""},
    {"PATCH /v1/users/{id}", R"({"full_name":"Taken Over"})"},
    {"POST /v1/users/{id}/deactivate", "{}"},
    {"POST /v1/users/{id}/erase", "{}"},
    {"GET /v1/users/{id}/export", ""},
    {"POST /v1/users/{id}/reactivate", "{}"},
    {"PUT /v1/users/{id}/roles/{role}", ""},
    {"DELETE /v1/users/{id}/roles/{role}", ""},
    {"GET /v1/users/{id}/wallet", ""},
    {"GET /v1/users/{id}/wallet/transactions", ""},
    {"POST /v1/users/{id}/wallet/credits", R"({"amount":100})"},
    {"POST /v1/users/{id}/wallet/debits", R"({"amount":1})"},
    {"DELETE /v1/invitations/{id}", ""},
    {"DELETE /v1/api-keys/{id}", ""},
    {"GET /v1/permissions/{id}", ""},
    {"POST /v1/permissions/{id}/approve", "{}"},
    {"POST /v1/permissions/{id}/reject", R"({"reason":"taken over"})"},
    {"POST /v1/permissions/{id}/revoke", "{}"},
    {"POST /v1/permissions/{id}/expire", ""},
};
}  // namespace

TEST_CASE("every route that takes an id answers 404 for another tenant's, and that tenant is unchanged") {
  DevServer dev;
  Tenant a(dev.port(), "ours");
  Tenant b(dev.port(), "theirs");
  std::string their_user = b.add_user("victim");
  REQUIRE(b.credit(their_user, "1000").status == 201);
  auto invitation = b.track(post(b.port, "/v1/invitations", R"({"email":"joiner@theirs.test"})", b.admin));
  REQUIRE(invitation.status == 201);
  auto key = b.track(post(b.port, "/v1/api-keys", R"({"name":"theirs","scopes":["users:read"]})", b.admin));
  REQUIRE(key.status == 201);
  auto permission = b.track(post(b.port, "/v1/permissions",
                                 R"({"resource":"ga4:properties/1","level":"viewer","reason":"r","user_id":")" +
                                     their_user + "\"}",
                                 b.admin));
  REQUIRE_MESSAGE(permission.status == 201, permission.body);
  std::map<std::string, std::string> ids = {{"/v1/users/", their_user},
                                            {"/v1/invitations/", invitation.str("id")},
                                            {"/v1/api-keys/", key.str("id")},
                                            {"/v1/permissions/", permission.str("id")}};

  auto theirs_now = [&] {
    return b.read("/v1/users/" + their_user).body + b.read("/v1/users/" + their_user + "/wallet").body +
           b.read("/v1/api-keys").body + b.read("/v1/permissions/" + permission.str("id")).body;
  };
  auto ours = a.track(post(a.port, "/v1/api-keys",
                           R"({"name":"all","scopes":["users:read","users:write","permissions:write","wallets:write",)"
                           R"("admin","audit:read","events:read","dashboard:read"]})",
                           a.admin));
  REQUIRE_MESSAGE(ours.status == 201, ours.body);
  std::string our_key = ours.str("key");
  REQUIRE(get(a.port, "/v1/users", our_key).status == 200);  // its one recorded use, before the walk
  std::string before = theirs_now();
  int64_t log_before = log_end(dev);
  int walked = 0;
  for (const auto& route : regent::api::all_routes()) {
    if (route.pattern.find("{id}") == std::string::npos) continue;
    std::string name = route.method + " " + route.pattern;
    auto body = kBodies.find(name);
    REQUIRE_MESSAGE(body != kBodies.end(), "the isolation walk does not know " << name);
    std::string target = route.pattern;
    for (const auto& [prefix, id] : ids)
      if (target.rfind(prefix, 0) == 0) target = std::regex_replace(target, std::regex("\\{id\\}"), id);
    target = std::regex_replace(target, std::regex("\\{role\\}"), "analyst");
    REQUIRE_MESSAGE(target.find('{') == std::string::npos, name);
    CAPTURE(name);
    // As the other tenant's admin, and as a key of the other tenant with every scope.
    check_problem(send(a.port, route.method, target, body->second, a.admin), 404, "not_found");
    check_problem(send(a.port, route.method, target, body->second, our_key), 404, "not_found");
    ++walked;
  }
  CHECK(walked == static_cast<int>(kBodies.size()));
  CHECK(log_end(dev) == log_before);
  CHECK(theirs_now() == before);
  // Their invitation and key still work.
  CHECK(get(b.port, "/v1/users", key.str("key")).status == 200);
  auto joined = post(b.port, "/v1/invitations/accept",
                     R"({"token":")" + invitation.str("token") + R"(","password":")" + kPassword + R"(","full_name":"J"})");
  CHECK(joined.status == 201);
}

TEST_CASE("a body naming another tenant's user is refused; only a super_admin acts elsewhere") {
  DevServer dev;
  Tenant a(dev.port(), "home");
  Tenant b(dev.port(), "away");
  std::string their_user = b.add_user("far");
  REQUIRE(b.credit(their_user, "1000").status == 201);
  int64_t before = log_end(dev);
  auto parent = post(a.port, "/v1/users", R"({"email":"sub@home.test","full_name":"Sub","password":")" + kPassword +
                                              R"(","parent_user_id":")" + their_user + "\"}",
                     a.admin);
  check_problem(parent, 422, "validation_failed");
  CHECK(error_fields(parent) == std::vector<std::string>{"parent_user_id"});
  check_problem(a.activity("report_generation", a.admin, their_user), 404, "not_found");
  // A tenant admin naming another tenant, by slug or id, by query or header: refused, not served
  // from its own tenant.
  check_problem(get(a.port, "/v1/users?tenant=away", a.admin), 403, "forbidden");
  check_problem(get(a.port, "/v1/users?tenant=" + b.id, a.admin), 403, "forbidden");
  check_problem(get(a.port, "/v1/users", a.admin, {{"Regent-Tenant", "away"}}), 403, "forbidden");
  check_problem(post(a.port, "/v1/users?tenant=away", user_body("intruder@away.test"), a.admin), 403, "forbidden");
  auto key = a.track(post(a.port, "/v1/api-keys", R"({"name":"k","scopes":["users:read"]})", a.admin));
  REQUIRE(key.status == 201);
  // Its first use is recorded (api_key.used); then none for a minute.
  int64_t created = log_end(dev);
  REQUIRE(get(a.port, "/v1/users", key.str("key")).status == 200);
  CHECK(log_end(dev) == created + 1);
  before = log_end(dev);
  check_problem(get(a.port, "/v1/users?tenant=away", key.str("key")), 403, "forbidden");
  CHECK(log_end(dev) == before);
  auto own = get(a.port, "/v1/users?tenant=home", a.admin, {{"Regent-Min-Position", a.position}});
  REQUIRE(own.status == 200);
  CHECK(own.body.find(a.admin_id) != std::string::npos);
  // The super_admin does act there.
  std::string root = login(a.port, "system", kRootEmail, kRootPassword);
  auto theirs = get(a.port, "/v1/users?tenant=away", root, {{"Regent-Min-Position", b.position}});
  REQUIRE(theirs.status == 200);
  CHECK(theirs.body.find(their_user) != std::string::npos);
  CHECK(theirs.body.find(a.admin_id) == std::string::npos);
}
