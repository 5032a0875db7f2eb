// Users' profiles and roles, and invitations, over HTTP: who may, what takes effect at once, the
// read model, and every bad path appending nothing.
#include "core/ids.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {
HttpResponse patch(Tenant& t, const std::string& user, const std::string& body, const std::string& token,
                   const std::map<std::string, std::string>& headers = {}) {
  return t.track(send(t.port, "PATCH", "/v1/users/" + user, body, token, headers));
}
HttpResponse role(Tenant& t, const std::string& method, const std::string& user, const std::string& name,
                  const std::string& token) {
  return t.track(send(t.port, method, "/v1/users/" + user + "/roles/" + name, "", token));
}
HttpResponse invite(Tenant& t, const std::string& email, const std::string& roles, const std::string& token,
                    const std::map<std::string, std::string>& headers = {}) {
  return t.track(post(t.port, "/v1/invitations", R"({"email":")" + email + R"(","roles":)" + roles + "}", token, headers));
}
HttpResponse accept(int port, const std::string& token, const std::string& name = "Invited Person") {
  return post(port, "/v1/invitations/accept",
              R"({"token":")" + token + R"(","password":")" + kPassword + R"(","full_name":")" + name + "\"}");
}
std::vector<std::string> roles_of(const HttpResponse& r) {
  std::vector<std::string> out;
  auto doc = r.json();
  for (auto v : simdjson::dom::array(doc->root()["roles"])) out.emplace_back(std::string_view(v));
  return out;
}
}  // namespace

TEST_CASE("PATCH /v1/users/{id}: name and email change, the new email signs in, the read model follows") {
  DevServer dev;
  Tenant t(dev.port(), "patch");
  std::string bob = t.add_user("bob");
  t.add_user("carol");
  auto r = patch(t, bob, R"({"full_name":"Robert","email":"Rob@Patch.test"})", t.admin, {{"If-Match", "\"1\""}});
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(r.str("full_name") == "Robert");
  CHECK(r.str("email") == "Rob@Patch.test");
  CHECK(json_int(r, {"version"}) == 2);
  auto read = t.read("/v1/users/" + bob);
  CHECK(read.str("email") == "Rob@Patch.test");
  CHECK(read.str("full_name") == "Robert");
  CHECK(json_int(read, {"version"}) == 2);
  auto found = t.read("/v1/users?q=rob%40patch");
  CHECK(found.body.find(bob) != std::string::npos);
  CHECK(!login(t.port, "patch", "rob@patch.test").empty());
  check_problem(post(t.port, "/v1/auth/login",
                     R"({"tenant":"patch","email":"bob@patch.test","password":")" + kPassword + "\"}"),
                401, "unauthenticated");
  // The old address is free again.
  CHECK(post(t.port, "/v1/users", user_body("bob@patch.test"), t.admin).status == 201);

  std::string carol_token = t.token_of("carol");
  int64_t before = log_end(dev);
  auto same = patch(t, bob, R"({"full_name":"Robert"})", t.admin);
  CHECK(same.status == 200);  // nothing changes: nothing appended
  check_problem(patch(t, bob, R"({"email":"CAROL@patch.test"})", t.admin), 409, "email_taken");
  check_problem(patch(t, bob, R"({"full_name":"X"})", t.admin, {{"If-Match", "\"1\""}}), 412, "version_mismatch");
  check_problem(patch(t, bob, R"({"email":"not an email"})", t.admin), 422, "validation_failed");
  check_problem(patch(t, bob, R"({"nickname":"Bobby"})", t.admin), 422, "validation_failed");
  check_problem(patch(t, bob, R"({"full_name":""})", t.admin), 422, "validation_failed");
  check_problem(patch(t, bob, "[1]", t.admin), 400, "invalid_json");
  check_problem(patch(t, bob, R"({"full_name":"X"})", carol_token), 403, "forbidden");  // a viewer
  check_problem(patch(t, regent::core::uuid_v7(), R"({"full_name":"X"})", t.admin), 404, "not_found");
  CHECK(log_end(dev) == before);

  // A manager updates non-admins only.
  std::string meg = t.add_user("meg", R"(["manager"])");
  std::string meg_token = t.token_of("meg");
  check_problem(patch(t, t.admin_id, R"({"full_name":"Not Admin"})", meg_token), 403, "forbidden");
  CHECK(patch(t, bob, R"({"full_name":"Bob Again"})", meg_token).status == 200);
  CHECK(patch(t, meg, R"({"full_name":"Meg M."})", meg_token).status == 200);
}

TEST_CASE("roles: PUT and DELETE are idempotent, take effect on the next request, and are the admin's") {
  DevServer dev;
  Tenant t(dev.port(), "roles");
  std::string vic = t.add_user("vic");
  std::string meg = t.add_user("meg", R"(["manager"])");
  std::string vic_token = t.token_of("vic");
  std::string meg_token = t.token_of("meg");
  check_problem(get(t.port, "/v1/users", vic_token), 403, "forbidden");

  auto given = role(t, "PUT", vic, "analyst", t.admin);
  REQUIRE_MESSAGE(given.status == 200, given.body);
  CHECK(roles_of(given) == std::vector<std::string>{"analyst", "viewer"});
  CHECK(json_int(given, {"version"}) == 2);
  CHECK(get(t.port, "/v1/users", vic_token).status == 200);  // the same token, the roles of now
  int64_t before = log_end(dev);
  auto again = role(t, "PUT", vic, "analyst", t.admin);
  CHECK(again.status == 200);
  CHECK(json_int(again, {"version"}) == 2);
  CHECK(log_end(dev) == before);
  auto read = t.read("/v1/users?role=analyst");
  CHECK(read.body.find(vic) != std::string::npos);
  CHECK(roles_of(t.read("/v1/users/" + vic)) == std::vector<std::string>{"analyst", "viewer"});  // the read model's, sorted
  CHECK(roles_of(t.read("/v1/users/" + meg)) == std::vector<std::string>{"manager"});
  CHECK(dev.db.count("SELECT count FROM role_counts WHERE role = 'analyst' AND tenant_id = '" + t.id + "'") == 1);

  auto taken = role(t, "DELETE", vic, "analyst", t.admin);
  REQUIRE_MESSAGE(taken.status == 200, taken.body);
  CHECK(roles_of(taken) == std::vector<std::string>{"viewer"});
  check_problem(get(t.port, "/v1/users", vic_token), 403, "forbidden");
  before = log_end(dev);
  CHECK(role(t, "DELETE", vic, "analyst", t.admin).status == 200);
  CHECK(log_end(dev) == before);
  CHECK(t.read("/v1/users?role=analyst").body.find(vic) == std::string::npos);
  CHECK(roles_of(t.read("/v1/users/" + vic)) == std::vector<std::string>{"viewer"});
  // Assigned and revoked within one batch of the projection: the last word stands, sorted.
  std::vector<std::thread> changes;
  for (const char* r : {"manager", "analyst", "admin"}) changes.emplace_back([&, r] { role(t, "PUT", vic, r, t.admin); });
  for (auto& c : changes) c.join();
  role(t, "DELETE", vic, "manager", t.admin);
  CHECK(roles_of(t.read("/v1/users/" + vic)) == std::vector<std::string>{"admin", "analyst", "viewer"});
  CHECK(dev.db.count("SELECT count(*) FROM user_roles WHERE user_id = '" + vic + "'") == 3);
  role(t, "DELETE", vic, "analyst", t.admin);
  role(t, "DELETE", vic, "admin", t.admin);
  before = log_end(dev);
  CHECK(dev.db.count("SELECT count FROM role_counts WHERE role = 'analyst' AND tenant_id = '" + t.id + "'") == 0);

  // Refusals, none of which appends anything.
  check_problem(role(t, "PUT", vic, "manager", meg_token), 403, "forbidden");  // a manager promotes nobody
  check_problem(role(t, "PUT", meg, "admin", meg_token), 403, "forbidden");    // least of all itself
  check_problem(role(t, "PUT", vic, "overlord", t.admin), 422, "validation_failed");
  check_problem(role(t, "PUT", vic, "super_admin", t.admin), 403, "forbidden");
  check_problem(role(t, "DELETE", vic, "viewer", t.admin), 409, "conflict");          // its only role
  check_problem(role(t, "DELETE", t.admin_id, "admin", t.admin), 409, "conflict");    // the last admin
  check_problem(role(t, "PUT", regent::core::uuid_v7(), "viewer", t.admin), 404, "not_found");
  check_problem(send(t.port, "PUT", "/v1/users/" + vic + "/roles/analyst", ""), 401, "unauthenticated");
  CHECK(log_end(dev) == before);
}

TEST_CASE("invitations: the token is shown once, works once, counts against max_users, and is revocable") {
  DevServer dev;
  Tenant t(dev.port(), "inv");
  std::string meg = t.add_user("meg", R"(["manager"])");
  std::string meg_token = t.token_of("meg");
  check_problem(invite(t, "boss@inv.test", R"(["admin"])", meg_token), 403, "forbidden");  // managers invite no admin
  auto made = invite(t, "New@Inv.test", R"(["analyst"])", meg_token, {{"Idempotency-Key", "invite-new"}});
  REQUIRE_MESSAGE(made.status == 201, made.body);
  std::string token = made.str("token");
  CHECK(token.rfind("inv_" + t.id + ".", 0) == 0);
  CHECK(made.header("cache-control") == "no-store");
  CHECK(!made.str("expires_at").empty());
  // A retry with the same key gets the same invitation and token; nothing new is appended.
  int64_t before = log_end(dev);
  auto replay = invite(t, "New@Inv.test", R"(["analyst"])", meg_token, {{"Idempotency-Key", "invite-new"}});
  CHECK(replay.status == 201);
  CHECK(replay.header("idempotent-replayed") == "true");
  CHECK(replay.str("token") == token);
  CHECK(log_end(dev) == before);

  check_problem(invite(t, "new@inv.TEST", R"(["viewer"])", t.admin), 409, "email_taken");   // pending already
  check_problem(invite(t, "meg@inv.test", R"(["viewer"])", t.admin), 409, "email_taken");   // a user has it
  check_problem(invite(t, "x@inv.test", R"(["overlord"])", t.admin), 422, "validation_failed");
  check_problem(post(t.port, "/v1/invitations", R"({"email":"y@inv.test","extra":1})", t.admin), 422, "validation_failed");
  // Users 2 + pending 1 = 3: at max_users 3 nobody else gets in, by creation or invitation.
  auto limited = t.track(send(t.port, "PATCH", "/v1/tenant", R"({"settings":{"max_users":3}})", t.admin));
  REQUIRE_MESSAGE(limited.status == 200, limited.body);
  check_problem(post(t.port, "/v1/users", user_body("late@inv.test"), t.admin), 409, "limit_reached");
  check_problem(invite(t, "late@inv.test", R"(["viewer"])", t.admin), 409, "limit_reached");

  check_problem(accept(t.port, token.substr(0, token.size() - 1) + (token.back() == 'A' ? "B" : "A")), 401,
                "unauthenticated");
  check_problem(accept(t.port, "inv_nonsense"), 401, "unauthenticated");
  check_problem(post(t.port, "/v1/invitations/accept", R"({"token":")" + token + R"(","password":"short","full_name":"N"})"),
                422, "validation_failed");
  auto joined = accept(t.port, token);
  REQUIRE_MESSAGE(joined.status == 201, joined.body);
  CHECK(joined.str("email") == "New@Inv.test");
  CHECK(roles_of(joined) == std::vector<std::string>{"analyst"});
  std::string new_token = login(t.port, "inv", "new@inv.test");
  CHECK(get(t.port, "/v1/users", new_token).status == 200);  // an analyst reads users
  check_problem(accept(t.port, token), 401, "unauthenticated");  // once only

  // Revoked: the token stops working; revoking again changes nothing; accepted ones stay accepted.
  t.track(send(t.port, "PATCH", "/v1/tenant", R"({"settings":{"max_users":100}})", t.admin));
  auto second = invite(t, "second@inv.test", R"(["viewer"])", t.admin);
  REQUIRE(second.status == 201);
  check_problem(send(t.port, "DELETE", "/v1/invitations/" + second.str("id"), "", t.token_of("new")), 403, "forbidden");
  CHECK(send(t.port, "DELETE", "/v1/invitations/" + second.str("id"), "", t.admin).status == 204);
  before = log_end(dev);
  CHECK(send(t.port, "DELETE", "/v1/invitations/" + second.str("id"), "", t.admin).status == 204);
  CHECK(log_end(dev) == before);
  check_problem(accept(t.port, second.str("token")), 401, "unauthenticated");
  check_problem(send(t.port, "DELETE", "/v1/invitations/" + made.str("id"), "", t.admin), 409, "invalid_transition");
  check_problem(send(t.port, "DELETE", "/v1/invitations/" + regent::core::uuid_v7(), "", t.admin), 404, "not_found");

  // No token in clear in the log; the invited user is the actor of its own joining.
  for (const auto& e : all_events(dev)) {
    CHECK(e.find(token.substr(4 + 36 + 1)) == std::string::npos);
    CHECK(e.find(second.str("token").substr(4 + 36 + 1)) == std::string::npos);
    if (event_field(e, "type") == "invitation.accepted") CHECK(event_field(e, "actorid") == joined.str("id"));
  }
}
