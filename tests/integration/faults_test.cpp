// The log unreachable under a running `regent serve`: commands fail with 503 and Retry-After,
// /readyz says so, and everything comes back by itself when the brokers do.
#include <chrono>
#include <thread>

#include "events/mock_cluster.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;
using namespace std::chrono_literals;


TEST_CASE("with the brokers down commands get 503 with Retry-After, /readyz says so, and all recovers by itself") {
  regent::events::MockCluster cluster(1);
  cluster.create_topic("regent.events", 3, 1);
  TempDir dir;
  TestDatabase db;
  RegentProcess serve({"serve"},
                      {{"REGENT_KAFKA_BROKERS", cluster.bootstraps()},
                       {"REGENT_KAFKA_PARTITIONS", "3"},
                       {"REGENT_KAFKA_TIMEOUT", "1s"},
                       {"REGENT_PG_URL", db.url()},
                       {"REGENT_HTTP_PORT", "0"},
                       {"REGENT_JWT_SECRET", std::string(40, 'k')},
                       {"REGENT_OPEN_SIGNUP", "1"}},
                      dir.path() + "/serve.log");
  int port = serve.port();
  auto created = signup(port, "storm", "ada@storm.test");
  std::string admin_id(regent::core::get_string(created.json()->root()["admin_user"].value(), "id").value());
  std::string token = login(port, "storm", "ada@storm.test");
  std::string credits = "/v1/users/" + admin_id + "/wallet/credits";
  REQUIRE(post(port, credits, R"({"amount":100})", token).status == 201);
  REQUIRE(get(port, "/readyz").status == 200);

  cluster.set_down(true);
  for (int i = 0; i < 5; ++i) {
    auto r = post(port, credits, R"({"amount":1})", token);
    check_problem(r, 503, "unavailable");
    CHECK_FALSE(r.header("retry-after").empty());
    CHECK(r.body.find("127.0.0.1") == std::string::npos);  // nothing of the inside
  }
  CHECK(eventually([&] { return get(port, "/readyz").status == 503; }));
  auto ready = get(port, "/readyz");
  CHECK(ready.body.find(R"("kafka":false)") != std::string::npos);

  cluster.set_down(false);
  HttpResponse after;
  CHECK(eventually([&] {
    after = post(port, credits, R"({"amount":10})", token);
    return after.status == 201;
  }));
  CHECK(get(port, "/readyz").status == 200);
  // The write side re-read the log: the balance is what the successes add up to, give or take
  // the failed appends whose fate the clients could not know (none here: the broker was down).
  CHECK(json_int(after, {"balance_after"}) == 110);
}
