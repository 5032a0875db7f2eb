// The distributed shape: a Kafka cluster that is not Regent's own (here a mock cluster hosted by
// the test), `regent serve` and `regent worker projections` as separate processes.
#include "events/mock_cluster.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;

TEST_CASE("serve and a separate projections worker share an external cluster") {
  regent::events::MockCluster cluster(3);
  cluster.create_topic("regent.events", 4, 3);  // the mock broker has no CreateTopics API
  TempDir dir;
  TestDatabase db;
  std::map<std::string, std::string> env{{"REGENT_KAFKA_BROKERS", cluster.bootstraps()},
                                         {"REGENT_KAFKA_PARTITIONS", "4"},
                                         {"REGENT_PG_URL", db.url()},
                                         {"REGENT_HTTP_PORT", "0"},
                                         {"REGENT_JWT_SECRET", std::string(40, 'k')},
                                         {"REGENT_OPEN_SIGNUP", "1"},
                                         {"REGENT_CONSISTENCY_TIMEOUT", "1s"},
                                         {"REGENT_BOOTSTRAP_EMAIL", kRootEmail},
                                         {"REGENT_BOOTSTRAP_PASSWORD", kRootPassword}};
  RegentProcess serve({"serve"}, env, dir.path() + "/serve.log");
  RegentProcess worker({"worker", "projections"}, env, dir.path() + "/worker.log",
                       "regent projections worker running");
  int port = serve.port();
  signup(port, "dist", "ada@dist.test");
  std::string token = login(port, "dist", "ada@dist.test");
  auto user = post(port, "/v1/users", user_body("bob@dist.test"), token);
  REQUIRE(user.status == 201);
  auto read = get(port, "/v1/users/" + user.str("id"), token, {{"Regent-Min-Position", user.header("regent-position")}});
  REQUIRE_MESSAGE(read.status == 200, read.body);
  CHECK(read.str("email") == "bob@dist.test");
  // The tenants model is a projection of its own: the wait above was for the users model's.
  CHECK(eventually([&] { return db.count("SELECT count(*) FROM tenants") == 2; }));

  // Without the worker the read model stops moving, and a query that needs it says so.
  CHECK(worker.terminate() == 0);
  auto later = post(port, "/v1/users", user_body("carol@dist.test"), token);
  REQUIRE(later.status == 201);
  auto lagging = get(port, "/v1/users/" + later.str("id"), token,
                     {{"Regent-Min-Position", later.header("regent-position")}});
  CHECK(lagging.status == 503);
  CHECK(lagging.str("code") == "projection_lagging");
  CHECK(lagging.header("retry-after") == "1");
}

TEST_CASE("serve refuses to start without the settings it cannot guess") {
  TempDir dir;
  CHECK_THROWS_WITH_AS(RegentProcess({"serve"}, {{"REGENT_JWT_SECRET", std::string(40, 'k')}}, dir.path() + "/a.log"),
                       doctest::Contains("REGENT_KAFKA_BROKERS"), std::runtime_error);
  CHECK_THROWS_WITH_AS(RegentProcess({"serve"}, {{"REGENT_KAFKA_BROKERS", "127.0.0.1:1"}}, dir.path() + "/b.log"),
                       doctest::Contains("REGENT_JWT_SECRET"), std::runtime_error);
  CHECK_THROWS_WITH_AS(RegentProcess({"serve"},
                                     {{"REGENT_KAFKA_BROKERS", "127.0.0.1:1"},
                                      {"REGENT_JWT_SECRET", std::string(40, 'k')},
                                      {"REGENT_ADVERTISED_URL", "https://api.example"}},
                                     dir.path() + "/c.log"),
                       doctest::Contains("REGENT_ADVERTISED_URL"), std::runtime_error);
}
