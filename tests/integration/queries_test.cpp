// How queries behave when Postgres cannot answer them: down (503 unavailable with Retry-After,
// then answers again once it is back), and too many waiting (503 at once for those past the
// queue, the rest answered). Answers have one compact JSON style, whichever side built them.
#include <pqxx/pqxx>

#include "tests/integration/fixture.hpp"
#include "tests/support/private_postgres.hpp"

using namespace regent::test;

TEST_CASE("queries answer 503 while Postgres is down, and again once it is back") {
  PrivatePostgres pg;
  TempDir dir;
  RegentProcess dev({"dev"},
                    {{"REGENT_DATA_DIR", dir.path()},
                     {"REGENT_PG_URL", pg.url()},
                     {"REGENT_HTTP_PORT", "0"},
                     {"REGENT_KAFKA_PARTITIONS", "3"},
                     {"REGENT_BOOTSTRAP_EMAIL", kRootEmail},
                     {"REGENT_BOOTSTRAP_PASSWORD", kRootPassword}},
                    dir.path() + "/regent.log");
  int port = dev.port();
  Tenant t(port, "pgdown");
  std::string ann = t.add_user("ann");
  REQUIRE(t.read("/v1/users/" + ann + "/wallet").status == 200);
  pg.stop();
  // Each query fails within the bounded wait, never hangs and never 500s.
  for (const std::string& target : {"/v1/users/" + ann + "/wallet", std::string("/v1/users"), std::string("/v1/me")}) {
    CAPTURE(target);
    auto r = get(port, target, t.admin);
    check_problem(r, 503, "unavailable");
    CHECK(std::stoi(r.header("retry-after")) >= 1);
    CHECK(r.body.find("postgres") == std::string::npos);  // nothing of the internals
  }
  pg.start();
  CHECK(eventually([&] { return get(port, "/v1/users/" + ann + "/wallet", t.admin).status == 200; }));
  CHECK(get(port, "/v1/users", t.admin).status == 200);
}

TEST_CASE("queries past the queue are refused at once while the others wait their turn") {
  DevServer dev(std::map<std::string, std::string>{{"REGENT_PG_QUERY_CONNECTIONS", "1"}, {"REGENT_PG_QUERY_QUEUE", "2"}});
  int port = dev.port();
  Tenant t(port, "queue");
  std::string ann = t.add_user("ann");
  REQUIRE(t.read("/v1/users/" + ann + "/wallet").status == 200);
  // Hold the wallets table: the one query connection's query waits on the lock (alone: it went
  // first), two more queue behind it, and the rest find the queue full.
  pqxx::connection holder(dev.db.url());
  pqxx::work lock(holder);
  lock.exec("LOCK TABLE wallets IN ACCESS EXCLUSIVE MODE");
  HttpResponse first;
  std::thread blocked([&] { first = get(port, "/v1/users/" + ann + "/wallet", t.admin); });
  REQUIRE(eventually([&] {
    return dev.db.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE '%FROM wallets%'") >= 1;
  }));
  std::vector<HttpResponse> answers;
  std::thread readers([&] {
    answers = all_at_once(11, [&](int) { return get(port, "/v1/users/" + ann + "/wallet", t.admin); });
  });
  // Every refused one is answered while the lock is still held: refusals do not wait.
  REQUIRE(eventually([&] {
    return metric(port, "regent_http_requests_total{route=\"/v1/users/{id}/wallet\",method=\"GET\",status=\"503\"}") >= 9;
  }));
  lock.abort();
  readers.join();
  blocked.join();
  CHECK(first.status == 200);
  CHECK(count_status(answers, 503) == 9);
  CHECK(count_status(answers, 200) == 2);
  for (const auto& r : answers)
    if (r.status == 503) {
      check_problem(r, 503, "unavailable");
      CHECK(r.header("retry-after") == "1");
    }
  CHECK(get(port, "/v1/users/" + ann + "/wallet", t.admin).status == 200);
}

TEST_CASE("query answers are compact JSON, in the style of command answers") {
  DevServer dev;
  int port = dev.port();
  Tenant t(port, "compact");
  std::string ann = t.add_user("ann");
  for (const std::string& target : {"/v1/users/" + ann, "/v1/users/" + ann + "/wallet", std::string("/v1/users"),
                                    std::string("/v1/me"), std::string("/v1/tenant"), std::string("/v1/dashboard/summary"),
                                    std::string("/v1/dashboard/revenue")}) {
    CAPTURE(target);
    auto r = t.read(target);
    REQUIRE(r.status == 200);
    CHECK(r.json() != nullptr);
    CHECK(r.body.find("\" :") == std::string::npos);
    CHECK(r.body.find(", \"") == std::string::npos);
    CHECK(r.body.find(": ") == std::string::npos);
  }
}
