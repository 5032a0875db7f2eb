// Every error row of API.md: a clear problem+json, and nothing left behind in the log.
#include <fstream>
#include <numeric>

#include "api/jwt.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;


TEST_CASE("bad requests get problem+json and append nothing") {
  DevServer dev;
  int port = dev.port();
  signup(port, "acme", "ada@acme.test");
  std::string admin = login(port, "acme", "ada@acme.test");
  auto viewer_user = post(port, "/v1/users", user_body("vic@acme.test"), admin);
  REQUIRE(viewer_user.status == 201);
  std::string viewer = login(port, "acme", "vic@acme.test");
  int64_t before = log_end(dev);

  SUBCASE("400 invalid_json") {
    check_problem(post(port, "/v1/users", "{\"email\":", admin), 400, "invalid_json");
    check_problem(post(port, "/v1/users", "[1,2]", admin), 400, "invalid_json");
    check_problem(post(port, "/v1/tenants", "", ""), 400, "invalid_json");
  }
  SUBCASE("401 unauthenticated") {
    check_problem(get(port, "/v1/me"), 401, "unauthenticated");
    check_problem(get(port, "/v1/me", "not.a.token"), 401, "unauthenticated");
    check_problem(http(port, {"GET", "/v1/me", "", {{"Authorization", "Basic abc"}}}), 401, "unauthenticated");
    std::string tampered = admin;
    tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
    check_problem(get(port, "/v1/me", tampered), 401, "unauthenticated");
    auto dot = admin.find('.');
    std::string none = regent::core::base64url_encode(R"({"alg":"none","typ":"JWT"})") +
                       admin.substr(dot, admin.rfind('.') - dot) + ".";
    check_problem(get(port, "/v1/me", none), 401, "unauthenticated");
    // A token signed with the server's own key but expired.
    std::ifstream key_file(dev.dir.path() + "/jwt.key");
    std::string key;
    std::getline(key_file, key);
    REQUIRE_FALSE(key.empty());
    auto keys = regent::api::JwtKeys::parse("", key).value();
    auto claims = regent::api::verify_jwt(admin, keys, "regent", regent::core::now_millis() / 1000).value();
    claims.exp = regent::core::now_millis() / 1000 - 1;
    check_problem(get(port, "/v1/me", regent::api::sign_jwt(claims, keys)), 401, "unauthenticated");
    // Not yet valid.
    claims.exp = regent::core::now_millis() / 1000 + 600;
    claims.nbf = regent::core::now_millis() / 1000 + 300;
    check_problem(get(port, "/v1/me", regent::api::sign_jwt(claims, keys)), 401, "unauthenticated");
    // The same claims under a key the server does not have.
    auto stranger = regent::api::JwtKeys::parse("stranger:HS256:" + key, "").value();
    claims.nbf = 0;
    check_problem(get(port, "/v1/me", regent::api::sign_jwt(claims, stranger)), 401, "unauthenticated");
    REQUIRE(get(port, "/v1/me", regent::api::sign_jwt(claims, keys)).status == 200);
  }
  SUBCASE("401 for a wrong tenant, email or password alike") {
    auto wrong_password = post(port, "/v1/auth/login", R"({"tenant":"acme","email":"ada@acme.test","password":"wrong password!"})");
    auto wrong_email = post(port, "/v1/auth/login", R"({"tenant":"acme","email":"eve@acme.test","password":"correct horse battery"})");
    auto wrong_tenant = post(port, "/v1/auth/login", R"({"tenant":"nope","email":"ada@acme.test","password":"correct horse battery"})");
    for (const auto* r : {&wrong_password, &wrong_email, &wrong_tenant}) {
      check_problem(*r, 401, "unauthenticated");
      CHECK(r->str("detail") == wrong_password.str("detail"));
    }
  }
  SUBCASE("403 forbidden") {
    check_problem(post(port, "/v1/users", user_body("w@acme.test"), viewer), 403, "forbidden");
    check_problem(get(port, "/v1/users", viewer), 403, "forbidden");
    auto mgr = post(port, "/v1/users", user_body("mgr@acme.test", R"(["manager"])"), admin);
    REQUIRE(mgr.status == 201);
    std::string manager = login(port, "acme", "mgr@acme.test");
    before = log_end(dev);
    check_problem(post(port, "/v1/users", user_body("boss@acme.test", R"(["admin"])"), manager), 403, "forbidden");
  }
  SUBCASE("404 not_found, also for another tenant's user") {
    signup(port, "globex", "hank@globex.test");
    std::string hank = login(port, "globex", "hank@globex.test");
    before = log_end(dev);
    check_problem(get(port, "/v1/users/" + viewer_user.str("id"), hank), 404, "not_found");
    check_problem(get(port, "/v1/users/" + regent::core::uuid_v7(), admin), 404, "not_found");
    check_problem(get(port, "/v1/users/not-a-uuid", admin), 404, "not_found");
    check_problem(get(port, "/v1/nothing-here", admin), 404, "not_found");
  }
  SUBCASE("409 slug_taken and email_taken") {
    check_problem(post(port, "/v1/tenants", signup_body("acme", "other@acme.test")), 409, "slug_taken");
    check_problem(post(port, "/v1/users", user_body("VIC@Acme.test"), admin), 409, "email_taken");
  }
  SUBCASE("413 payload_too_large") {
    std::string huge = R"({"email":"a@b.test","full_name":")" + std::string(1100 * 1024, 'x') + "\"}";
    auto r = post(port, "/v1/users", huge, admin, {{"Request-Id", "big-one"}});
    check_problem(r, 413, "payload_too_large");
    CHECK(r.header("request-id") == "big-one");
  }
  SUBCASE("415 unsupported_media_type") {
    check_problem(post(port, "/v1/users", user_body("t@acme.test"), admin, {{"Content-Type", "text/plain"}}), 415,
                  "unsupported_media_type");
    check_problem(http(port, {"POST", "/v1/users", user_body("t@acme.test"), {{"Authorization", "Bearer " + admin}}}),
                  415, "unsupported_media_type");
  }
  SUBCASE("422 validation_failed names every bad and unknown field") {
    auto r = post(port, "/v1/users", R"({"email":"nope","password":"short","roles":["king"],"nickname":"x"})", admin);
    check_problem(r, 422, "validation_failed");
    CHECK(error_fields(r) == std::vector<std::string>{"email", "full_name", "password", "roles", "nickname"});
    auto t = post(port, "/v1/tenants", R"({"name":"X","slug":"UPPER","admin":{"email":"a@b.test"},"x":1})");
    check_problem(t, 422, "validation_failed");
    CHECK(error_fields(t) == std::vector<std::string>{"slug", "admin.password", "admin.full_name", "x"});
    auto q = get(port, "/v1/users?limit=0&cursor=zzz&status=sleeping&colour=red", admin);
    check_problem(q, 422, "validation_failed");
    CHECK(error_fields(q).size() == 4);
    check_problem(get(port, "/v1/me", admin, {{"Regent-Min-Position", "banana"}}), 422, "validation_failed");
    check_problem(post(port, "/v1/auth/login", R"({"tenant":"acme"})"), 422, "validation_failed");
    auto broken = get(port, "/v1/users?q=%zz", admin);
    check_problem(broken, 422, "validation_failed");
    CHECK(error_fields(broken) == std::vector<std::string>{"query"});
    auto parent = post(port, "/v1/users", R"({"email":"p@acme.test","full_name":"P","password":"correct horse battery","parent_user_id":"nope"})", admin);
    check_problem(parent, 422, "validation_failed");
    CHECK(error_fields(parent) == std::vector<std::string>{"parent_user_id"});
  }
  SUBCASE("405 for a known path with another method") {
    check_problem(http(port, {"DELETE", "/v1/users", "", {{"Authorization", "Bearer " + admin}}}), 405,
                  "method_not_allowed");
  }
  CHECK(log_end(dev) == before);
}

TEST_CASE("Request-Id is echoed when the client sends one, and made up when not") {
  DevServer dev;
  auto echoed = get(dev.port(), "/healthz", "", {{"Request-Id", "client-chosen-42"}});
  CHECK(echoed.header("request-id") == "client-chosen-42");
  auto problem = get(dev.port(), "/v1/me", "", {{"Request-Id", "client-chosen-43"}});
  CHECK(problem.str("request_id") == "client-chosen-43");
  auto made = get(dev.port(), "/healthz");
  CHECK(regent::core::is_uuid(made.header("request-id")));
}
