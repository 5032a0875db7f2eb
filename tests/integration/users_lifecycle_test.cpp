// Deactivating and reactivating users over HTTP: who may, what stops working at once, the read
// model and its counters, and every bad path.
#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {
HttpResponse act(Tenant& t, const std::string& user, const std::string& verb, const std::string& token,
                 const std::map<std::string, std::string>& headers = {}) {
  return t.track(post(t.port, "/v1/users/" + user + "/" + verb, "{}", token, headers));
}
}  // namespace

TEST_CASE("a deactivated user cannot sign in and its tokens stop working; reactivated, it signs in again") {
  DevServer dev;
  Tenant t(dev.port(), "life");
  std::string bob = t.add_user("bob");
  std::string bob_token = t.token_of("bob");
  REQUIRE(get(t.port, "/v1/me", bob_token).status == 200);

  auto off = act(t, bob, "deactivate", t.admin, {{"If-Match", "\"1\""}});
  REQUIRE_MESSAGE(off.status == 200, off.body);
  CHECK(off.str("status") == "deactivated");
  CHECK(json_int(off, {"version"}) == 2);
  check_problem(get(t.port, "/v1/me", bob_token), 401, "unauthenticated");
  check_problem(post(t.port, "/v1/auth/login",
                     R"({"tenant":"life","email":"bob@life.test","password":")" + kPassword + "\"}"),
                401, "unauthenticated");
  auto read = t.read("/v1/users/" + bob);
  REQUIRE(read.status == 200);
  CHECK(read.str("status") == "deactivated");
  CHECK(dev.db.count("SELECT count FROM user_counts WHERE status = 'deactivated'") == 1);

  check_problem(act(t, bob, "deactivate", t.admin), 409, "invalid_transition");
  check_problem(act(t, bob, "reactivate", t.admin, {{"If-Match", "\"1\""}}), 412, "version_mismatch");
  auto on = act(t, bob, "reactivate", t.admin, {{"If-Match", "\"2\""}});
  REQUIRE_MESSAGE(on.status == 200, on.body);
  CHECK(on.str("status") == "active");
  check_problem(act(t, bob, "reactivate", t.admin), 409, "invalid_transition");
  check_problem(get(t.port, "/v1/me", bob_token), 401, "unauthenticated");  // its old sign-ins stay ended
  std::string fresh = t.token_of("bob");
  CHECK(get(t.port, "/v1/me", fresh).status == 200);
  auto again = t.read("/v1/users/" + bob);
  CHECK(again.str("status") == "active");
  CHECK(json_int(again, {"version"}) == 3);
  CHECK(dev.db.count("SELECT count FROM user_counts WHERE status = 'deactivated'") == 0);
  CHECK(dev.db.count("SELECT count FROM user_counts WHERE status = 'active' AND tenant_id = '" + t.id + "'") == 2);
}

TEST_CASE("who may deactivate whom, and bad requests that append nothing") {
  DevServer dev;
  Tenant t(dev.port(), "who");
  Tenant other(dev.port(), "whoelse");
  std::string meg = t.add_user("meg", R"(["manager"])");
  std::string vic = t.add_user("vic");
  std::string stranger = other.add_user("stranger");
  std::string meg_token = t.token_of("meg");
  std::string vic_token = t.token_of("vic");
  int64_t before = log_end(dev);
  check_problem(act(t, t.admin_id, "deactivate", meg_token), 403, "forbidden");  // a manager, an admin
  check_problem(act(t, meg, "deactivate", vic_token), 403, "forbidden");         // a viewer
  check_problem(act(t, t.admin_id, "deactivate", t.admin), 403, "forbidden");    // oneself
  check_problem(act(t, stranger, "deactivate", t.admin), 404, "not_found");     // another tenant's user
  check_problem(act(t, "not-a-uuid", "deactivate", t.admin), 404, "not_found");
  check_problem(act(t, vic, "deactivate", t.admin, {{"If-Match", "soon"}}), 422, "validation_failed");
  check_problem(post(t.port, "/v1/users/" + vic + "/deactivate", "{}"), 401, "unauthenticated");
  CHECK(log_end(dev) == before);
  CHECK(get(other.port, "/v1/me", other.token_of("stranger")).status == 200);  // untouched
  // A manager may deactivate a viewer.
  CHECK(act(t, vic, "deactivate", meg_token).status == 200);
}
