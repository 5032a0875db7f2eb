// How queries behave when Postgres cannot answer them: down (503 unavailable with Retry-After,
// then answers again once it is back), and too many waiting (503 at once for those past the
// queue, the rest answered). Answers have one compact JSON style, whichever side built them.
#include <pqxx/pqxx>

#include "api/queries.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/support/private_postgres.hpp"

using namespace regent::test;

TEST_CASE("queries answer 503 while Postgres is down, and again once it is back") {
  PrivatePostgres pg;
  TempDir dir;
  auto dev = dev_on(pg.url(), dir);
  int port = dev->port();
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
    return metric(port, "regent_http_requests_total{method=\"GET\",route=\"/v1/users/{id}/wallet\",status=\"503\"}") >= 9;
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

TEST_CASE("keyset pages are one range of an index, at page 1 as at page 1,000, even with a generic plan") {
  DevServer dev;
  Tenant t(dev.port(), "pages");
  // Enough rows of one tenant that a scan would show: 20,000 users and as many activities.
  dev.db.exec("INSERT INTO users (id, tenant_id, email, full_name, status, created_at, updated_at, version) "
              "SELECT gen_random_uuid(), '" + t.id + "', 'u' || g || '@pages.test', 'U', 'active', now(), now(), 1 "
              "FROM generate_series(1, 20000) g");
  dev.db.exec("INSERT INTO activities (id, tenant_id, user_id, charged_user_id, type, cost, currency, created_at) "
              "SELECT gen_random_uuid(), '" + t.id + "', '" + t.admin_id + "', '" + t.admin_id +
              "', 'form_download', 1, 'USD', now() FROM generate_series(1, 20000) g");
  dev.db.exec("ANALYZE users; ANALYZE activities");
  std::map<std::string, std::string> sql;
  for (const auto& s : regent::api::query_statements()) sql[s.name] = s.sql;
  pqxx::connection c(dev.db.url());
  pqxx::nontransaction tx(c);
  tx.exec("SET plan_cache_mode = force_generic_plan");
  tx.exec("PREPARE list_users AS " + sql.at("list_users"));
  tx.exec("PREPARE list_activities AS " + sql.at("list_activities"));
  auto plan = [&](const std::string& execute) {
    std::string out;
    for (const auto& row : tx.exec("EXPLAIN " + execute)) out += row[0].as<std::string>() + "\n";
    return out;
  };
  std::string middle = tx.exec1("SELECT id::text FROM users ORDER BY id OFFSET 10000 LIMIT 1")[0].as<std::string>();
  for (const std::string& after : {std::string("00000000-0000-0000-0000-000000000000"), middle}) {
    std::string p = plan("EXECUTE list_users('" + t.id + "', '', '', '', '" + after + "', 51)");
    CAPTURE(p);
    CHECK(p.find("Index Scan using users_tenant_id") != std::string::npos);
    CHECK(p.find("Index Cond: ((tenant_id = $1) AND (id > $5))") != std::string::npos);
    CHECK(p.find("Seq Scan on users") == std::string::npos);
    CHECK(p.find("Sort") == std::string::npos);
  }
  std::string p = plan("EXECUTE list_activities('" + t.id + "', '', '', NULL, NULL, 'ffffffff-ffff-ffff-ffff-ffffffffffff', 51)");
  CAPTURE(p);
  CHECK(p.find("Index Scan using activities_tenant") != std::string::npos);
  CHECK(p.find("Seq Scan on activities") == std::string::npos);
  CHECK(p.find("Sort") == std::string::npos);
  // Through the API the pages are what they were: the first and a later one.
  auto first = t.read("/v1/users?limit=5");
  REQUIRE(first.status == 200);
  CHECK(!first.str("next_cursor").empty());
}
