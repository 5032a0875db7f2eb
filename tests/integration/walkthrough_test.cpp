// The README's walk-through, end to end: HTTP -> Kafka -> Postgres -> HTTP.
#include <set>

#include "tests/integration/fixture.hpp"

using namespace regent::test;

TEST_CASE("sign up, log in, create a user and read it back, with read-your-writes") {
  DevServer dev;
  int port = dev.port();

  auto created = signup(port, "acme", "ada@acme.test");
  CHECK_FALSE(created.header("regent-position").empty());
  CHECK_FALSE(created.header("request-id").empty());
  auto doc = created.json();
  std::string tenant_id(regent::core::get_string(doc->root()["tenant"].value(), "id").value());
  std::string admin_id(regent::core::get_string(doc->root()["admin_user"].value(), "id").value());

  std::string token = login(port, "acme", "ada@acme.test");
  CHECK(std::count(token.begin(), token.end(), '.') == 2);

  auto user = post(port, "/v1/users", user_body("bob@acme.test", R"(["analyst"])"), token);
  REQUIRE_MESSAGE(user.status == 201, user.body);
  std::string position = user.header("regent-position");
  std::string user_id = user.str("id");
  CHECK(user.header("location") == "/v1/users/" + user_id);
  CHECK(user.str("tenant_id") == tenant_id);
  CHECK(user.str("status") == "active");
  CHECK(user.body.find("password") == std::string::npos);

  // The read model has it as soon as the position is reached.
  auto read = get(port, "/v1/users/" + user_id, token, {{"Regent-Min-Position", position}});
  REQUIRE_MESSAGE(read.status == 200, read.body);
  CHECK(read.str("email") == "bob@acme.test");
  CHECK(read.str("full_name") == "User bob@acme.test");
  CHECK(read.str("created_at") == user.str("created_at"));
  CHECK(read.body.find(R"("analyst")") != std::string::npos);

  auto me = get(port, "/v1/me", token, {{"Regent-Min-Position", position}});
  REQUIRE(me.status == 200);
  auto medoc = me.json();
  CHECK(regent::core::get_string(medoc->root()["user"].value(), "id") == std::optional<std::string_view>(admin_id));
  CHECK(regent::core::get_string(medoc->root()["tenant"].value(), "slug") == std::optional<std::string_view>("acme"));

  auto tenant = get(port, "/v1/tenant", token, {{"Regent-Min-Position", created.header("regent-position")}});
  REQUIRE(tenant.status == 200);
  CHECK(tenant.str("id") == tenant_id);
  CHECK(tenant.str("slug") == "acme");
}

TEST_CASE("listing users pages through every user once, with filters") {
  DevServer dev;
  int port = dev.port();
  signup(port, "pager", "admin@pager.test");
  std::string token = login(port, "pager", "admin@pager.test");
  std::string last = create_users(port, token, "u", "pager.test", 7);
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto r = get(port, "/v1/users?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor), token,
                 {{"Regent-Min-Position", last}});
    REQUIRE_MESSAGE(r.status == 200, r.body);
    auto d = r.json();
    for (auto item : simdjson::dom::array(d->root()["items"])) {
      CHECK(seen.insert(std::string(regent::core::get_string(item, "id").value())).second);
    }
    std::string_view next;
    cursor = d->root()["next_cursor"].get(next) == simdjson::SUCCESS ? std::string(next) : "";
    ++pages;
  } while (!cursor.empty());
  CHECK(seen.size() == 8);  // the admin and seven users
  CHECK(pages == 3);

  auto analysts = get(port, "/v1/users?role=analyst", token);
  auto d = analysts.json();
  CHECK(simdjson::dom::array(d->root()["items"]).size() == 3);
  auto search = get(port, "/v1/users?q=U5%40", token);
  CHECK(simdjson::dom::array(search.json()->root()["items"]).size() == 1);
  auto none = get(port, "/v1/users?q=%25", token);  // a literal %, not a wildcard
  CHECK(simdjson::dom::array(none.json()->root()["items"]).size() == 0);
}

TEST_CASE("the bootstrap super_admin acts in any tenant with ?tenant=") {
  DevServer dev;
  int port = dev.port();
  auto created = signup(port, "globex", "hank@globex.test");
  std::string root = login(port, "system", kRootEmail, kRootPassword);
  auto user = post(port, "/v1/users?tenant=globex", user_body("new@globex.test"), root);
  REQUIRE_MESSAGE(user.status == 201, user.body);
  auto tenant_doc = created.json();
  CHECK(user.str("tenant_id") == regent::core::get_string(tenant_doc->root()["tenant"].value(), "id").value());
  auto unknown = post(port, "/v1/users?tenant=nowhere", user_body("x@globex.test"), root);
  CHECK(unknown.status == 404);
  // Another tenant's admin cannot do the same: naming another tenant is refused (never answered
  // from its own tenant as if it were the one named); naming its own is harmless.
  std::string hank = login(port, "globex", "hank@globex.test");
  check_problem(post(port, "/v1/users?tenant=system", user_body("y@globex.test"), hank), 403, "forbidden");
  check_problem(post(port, "/v1/users", user_body("y@globex.test"), hank, {{"Regent-Tenant", "system"}}), 403,
                "forbidden");
  auto own = post(port, "/v1/users?tenant=globex", user_body("y@globex.test"), hank);
  REQUIRE(own.status == 201);
  CHECK(own.str("tenant_id") == user.str("tenant_id"));
}

TEST_CASE("operations endpoints answer") {
  DevServer dev;
  int port = dev.port();
  CHECK(get(port, "/healthz").status == 200);
  auto ready = get(port, "/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.body.find(R"("kafka":true)") != std::string::npos);
  signup(port, "metrics", "m@metrics.test");
  auto metrics = get(port, "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("regent_http_requests_total{method=\"POST\",route=\"/v1/tenants\",status=\"201\"} 1") != std::string::npos);
  CHECK(metrics.body.find("regent_http_request_duration_seconds_bucket") != std::string::npos);
  CHECK(metrics.body.find("regent_events_appended_total") != std::string::npos);
  CHECK(metrics.body.find("regent_projection_lag") != std::string::npos);
  auto openapi = get(port, "/openapi.json");
  REQUIRE(openapi.status == 200);
  auto spec = openapi.json();
  REQUIRE(spec);
  CHECK(regent::core::get_string(spec->root(), "openapi") == std::optional<std::string_view>("3.1.0"));
  for (const char* path : {"/v1/tenants", "/v1/tenant", "/v1/auth/login", "/v1/me", "/v1/users", "/v1/users/{id}",
                           "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"}) {
    CAPTURE(path);
    CHECK(spec->root()["paths"][path].error() == simdjson::SUCCESS);
  }
  auto docs = get(port, "/docs");
  CHECK(docs.status == 200);
  CHECK(docs.header("content-type").find("text/html") == 0);
  CHECK(docs.body.find("/openapi.json") != std::string::npos);
}
