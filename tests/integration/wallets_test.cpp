// Wallets, activities, tenant settings and dashboards, through HTTP, the Kafka protocol and Postgres.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/clock.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {
// The items of a list response, as documents' roots kept alive by `docs`.
std::vector<simdjson::dom::element> items(const HttpResponse& r,
                                          std::vector<std::unique_ptr<regent::core::JsonDocument>>& docs) {
  docs.push_back(r.json());
  REQUIRE_MESSAGE(docs.back(), r.body);
  std::vector<simdjson::dom::element> out;
  for (auto item : simdjson::dom::array(docs.back()->root()["items"])) out.push_back(item);
  return out;
}

std::string text(simdjson::dom::element e, std::string_view key) { return regent::core::get_text(e, key); }
int64_t number(simdjson::dom::element e, std::string_view key) { return regent::core::get_int(e, key).value_or(-1); }

std::string next_cursor(const HttpResponse& r) {
  std::string_view c;
  return r.json()->root()["next_cursor"].get(c) == simdjson::SUCCESS ? std::string(c) : "";
}

// The largest of positions "<partition>.<offset>" in one partition.
std::string latest(const std::vector<std::string>& positions) {
  return *std::max_element(positions.begin(), positions.end(), [](const std::string& a, const std::string& b) {
    return std::stoll(a.substr(a.find('.') + 1)) < std::stoll(b.substr(b.find('.') + 1));
  });
}

// What the write side believes a wallet holds: a debit one unit larger than everything is refused
// with the balance in its detail, and appends nothing.
int64_t write_side_balance(Tenant& t, const std::string& user, int64_t read_balance) {
  auto r = t.debit(user, std::to_string(read_balance + 1));
  REQUIRE_MESSAGE(r.status == 409, r.body);
  std::string detail = r.str("detail");
  auto start = detail.find("balance ") + 8;
  return std::stoll(detail.substr(start, detail.find(' ', start) - start));
}
}  // namespace

TEST_CASE("credits, debits and activities move money, and the read models agree") {
  DevServer dev;
  Tenant acme(dev.port(), "acme");
  std::string bob = acme.add_user("bob");
  std::string kid = acme.add_user("kid", R"(["viewer"])", bob);
  std::string bob_token = acme.token_of("bob");
  std::string kid_token = acme.token_of("kid");

  auto c = acme.credit(bob, "1000");
  REQUIRE_MESSAGE(c.status == 201, c.body);
  CHECK(c.str("type") == "credit");
  CHECK(c.str("user_id") == bob);
  CHECK(c.str("currency") == "USD");
  CHECK(json_int(c, {"balance_after"}) == 1000);
  CHECK_FALSE(c.header("regent-position").empty());

  auto d = acme.debit(bob, "150", bob_token);  // one's own wallet, as a viewer
  REQUIRE_MESSAGE(d.status == 201, d.body);
  CHECK(d.str("type") == "debit");
  CHECK(json_int(d, {"balance_after"}) == 850);

  auto report = acme.activity("report_generation", bob_token);
  REQUIRE_MESSAGE(report.status == 201, report.body);
  CHECK(json_int(report, {"activity", "cost"}) == 500);
  CHECK(json_int(report, {"transaction", "balance_after"}) == 350);

  // A sub-user's activity is paid from its parent's wallet.
  auto download = acme.activity("form_download", kid_token);
  REQUIRE_MESSAGE(download.status == 201, download.body);
  auto dl = download.json();
  std::string activity_id = text(dl->root()["activity"].value(), "id");
  CHECK(text(dl->root()["activity"].value(), "user_id") == kid);
  CHECK(text(dl->root()["activity"].value(), "charged_user_id") == bob);
  CHECK(text(dl->root()["transaction"].value(), "user_id") == bob);
  CHECK(text(dl->root()["transaction"].value(), "activity_id") == activity_id);
  CHECK(json_int(download, {"transaction", "balance_after"}) == 250);
  auto broke = acme.activity("report_generation", kid_token);
  check_problem(broke, 409, "insufficient_funds");

  auto wallet = acme.read("/v1/users/" + bob + "/wallet", bob_token);
  REQUIRE_MESSAGE(wallet.status == 200, wallet.body);
  CHECK(json_int(wallet, {"balance"}) == 250);
  CHECK(json_int(wallet, {"version"}) == 5);  // opened, credited, debited, two activities
  CHECK(wallet.str("currency") == "USD");
  CHECK(json_int(acme.read("/v1/users/" + kid + "/wallet", kid_token), {"balance"}) == 0);

  // Newest first, page by page, each transaction once.
  std::vector<std::unique_ptr<regent::core::JsonDocument>> docs;
  std::vector<int64_t> amounts, balances;
  std::string cursor;
  int pages = 0;
  do {
    auto page = acme.read("/v1/users/" + bob + "/wallet/transactions?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE_MESSAGE(page.status == 200, page.body);
    for (auto t : items(page, docs)) {
      amounts.push_back(number(t, "amount"));
      balances.push_back(number(t, "balance_after"));
    }
    cursor = next_cursor(page);
    ++pages;
  } while (!cursor.empty());
  CHECK(pages == 2);
  CHECK(amounts == std::vector<int64_t>{100, 500, 150, 1000});
  CHECK(balances == std::vector<int64_t>{250, 350, 850, 1000});

  auto all = acme.read("/v1/activities");
  REQUIRE_MESSAGE(all.status == 200, all.body);
  CHECK(items(all, docs).size() == 2);
  auto kids = items(acme.read("/v1/activities?user_id=" + kid), docs);
  REQUIRE(kids.size() == 1);
  CHECK(text(kids[0], "charged_user_id") == bob);
  CHECK(items(acme.read("/v1/activities?type=report_generation"), docs).size() == 1);
  CHECK(items(acme.read("/v1/activities?from=2999-01-01"), docs).empty());
  CHECK(items(acme.read("/v1/activities?to=2000-01-01T00:00:00Z"), docs).empty());
  // A viewer sees its own activities only, and may not ask for another's.
  auto own = items(acme.read("/v1/activities", bob_token), docs);
  REQUIRE(own.size() == 1);
  CHECK(text(own[0], "type") == "report_generation");
  check_problem(acme.read("/v1/activities?user_id=" + kid, bob_token), 403, "forbidden");
  check_problem(acme.read("/v1/users/" + bob + "/wallet", kid_token), 403, "forbidden");
}

TEST_CASE("bad wallet, activity and tenant requests get problem+json and append nothing") {
  DevServer dev;
  Tenant acme(dev.port(), "acme");
  Tenant other(dev.port(), "other");
  std::string bob = acme.add_user("bob");
  std::string meg = acme.add_user("meg", R"(["manager"])");
  std::string stranger = other.add_user("stranger");
  std::string bob_token = acme.token_of("bob");
  std::string meg_token = acme.token_of("meg");
  REQUIRE(acme.credit(bob, "300").status == 201);
  int port = dev.port();
  int64_t before = log_end(dev);
  std::string credits = "/v1/users/" + bob + "/wallet/credits";

  SUBCASE("422 for every amount that is not a positive bounded integer") {
    for (std::string amount : {"0", "-5", "12.5", "10.0", "1e3", "\"500\"", "true", "null", "[]", "1000000000001", "1e13",
                               "100000000000000000000000000000", "1e400", "18446744073709551616"}) {
      CAPTURE(amount);
      auto r = acme.credit(bob, amount);
      check_problem(r, 422, "validation_failed");
      CHECK(error_fields(r) == std::vector<std::string>{"amount"});
      check_problem(acme.debit(bob, amount), 422, "validation_failed");
    }
    auto unknown = post(port, credits, R"({"amount":5,"currency":"EUR"})", acme.admin);
    check_problem(unknown, 422, "validation_failed");
    CHECK(error_fields(unknown) == std::vector<std::string>{"currency"});
    check_problem(post(port, credits, "{}", acme.admin), 422, "validation_failed");
    check_problem(post(port, credits, R"({"amount":5,"reference":""})", acme.admin), 422, "validation_failed");
    check_problem(post(port, credits, R"({"amount":)", acme.admin), 400, "invalid_json");
    check_problem(post(port, credits, R"({"amount":5})", acme.admin, {{"Content-Type", "text/plain"}}), 415,
                  "unsupported_media_type");
    check_problem(post(port, "/v1/activities", R"({"type":"lunch"})", acme.admin), 422, "validation_failed");
  }
  SUBCASE("409 insufficient_funds says what is missing") {
    auto r = acme.debit(bob, "500");
    check_problem(r, 409, "insufficient_funds");
    CHECK(r.str("detail") == "wallet balance 300 is below the debit of 500");
  }
  SUBCASE("403 for the wrong role") {
    check_problem(acme.credit(bob, "5", bob_token), 403, "forbidden");
    check_problem(acme.credit(bob, "5", meg_token), 403, "forbidden");
    check_problem(acme.debit(meg, "5", bob_token), 403, "forbidden");
    check_problem(acme.activity("form_download", bob_token, meg), 403, "forbidden");
    check_problem(get(port, "/v1/dashboard/summary", bob_token), 403, "forbidden");
    check_problem(get(port, "/v1/dashboard/revenue", bob_token), 403, "forbidden");
    check_problem(get(port, "/v1/admin/dashboard", acme.admin), 403, "forbidden");
    check_problem(send(port, "PATCH", "/v1/tenant", R"({"name":"Mine"})", meg_token), 403, "forbidden");
  }
  SUBCASE("404 across tenants, never 403") {
    check_problem(acme.credit(stranger, "5"), 404, "not_found");
    check_problem(acme.debit(stranger, "5", bob_token), 404, "not_found");
    check_problem(acme.activity("form_download", acme.admin, stranger), 404, "not_found");
    check_problem(get(port, "/v1/users/" + stranger + "/wallet", acme.admin), 404, "not_found");
    check_problem(get(port, "/v1/users/" + stranger + "/wallet/transactions", acme.admin), 404, "not_found");
    check_problem(acme.credit("not-a-uuid", "5"), 404, "not_found");
  }
  SUBCASE("412 and 422 for If-Match") {
    auto stale = post(port, credits, R"({"amount":5})", acme.admin, {{"If-Match", "\"1\""}});
    check_problem(stale, 412, "version_mismatch");
    auto bad = post(port, credits, R"({"amount":5})", acme.admin, {{"If-Match", "soon"}});
    check_problem(bad, 422, "validation_failed");
    CHECK(error_fields(bad) == std::vector<std::string>{"If-Match"});
    check_problem(send(port, "PATCH", "/v1/tenant", R"({"name":"X"})", acme.admin, {{"If-Match", "\"7\""}}), 412,
                  "version_mismatch");
  }
  SUBCASE("422 for bad tenant changes, 409 for impossible ones") {
    auto bad = send(port, "PATCH", "/v1/tenant",
                    R"({"settings":{"currency":"XXX","max_users":0,"activity_costs":{"form_download":-1}}})", acme.admin);
    check_problem(bad, 422, "validation_failed");
    CHECK(error_fields(bad) == std::vector<std::string>{"settings.currency", "settings.activity_costs.form_download",
                                                        "settings.max_users"});
    check_problem(send(port, "PATCH", "/v1/tenant", R"({"settings":{"currency":"EUR"}})", acme.admin), 409, "conflict");
    check_problem(send(port, "PATCH", "/v1/tenant", R"({"settings":{"max_users":2}})", acme.admin), 409, "conflict");
  }
  SUBCASE("422 for bad query parameters") {
    auto tx = get(port, "/v1/users/" + bob + "/wallet/transactions?limit=0&cursor=zzz&sort=asc", acme.admin);
    check_problem(tx, 422, "validation_failed");
    CHECK(error_fields(tx) == std::vector<std::string>{"limit", "cursor", "sort"});
    auto acts = get(port, "/v1/activities?from=yesterday&type=lunch&user_id=bob", acme.admin);
    check_problem(acts, 422, "validation_failed");
    CHECK(error_fields(acts).size() == 3);
    check_problem(get(port, "/v1/dashboard/revenue?granularity=week", acme.admin), 422, "validation_failed");
    check_problem(get(port, "/v1/dashboard/revenue?from=2026-02-01&to=2026-01-01", acme.admin), 422, "validation_failed");
    check_problem(get(port, "/v1/dashboard/revenue?from=2000-01-01&to=2026-01-01", acme.admin), 422, "validation_failed");
    // A cursor of one list is not a cursor of another.
    auto users = get(port, "/v1/users?limit=1", acme.admin, {{"Regent-Min-Position", acme.position}});
    REQUIRE(users.status == 200);
    check_problem(get(port, "/v1/activities?cursor=" + next_cursor(users), acme.admin), 422, "validation_failed");
  }
  CHECK(log_end(dev) == before);
  auto wallet = acme.read("/v1/users/" + bob + "/wallet");
  CHECK(json_int(wallet, {"balance"}) == 300);
  CHECK(json_int(wallet, {"version"}) == 2);
}

TEST_CASE("40 simultaneous debits that together exceed a balance leave it at exactly zero") {
  DevServer dev;
  Tenant acme(dev.port(), "race");
  std::string bob = acme.add_user("bob");
  std::string bob_token = acme.token_of("bob");
  REQUIRE(acme.credit(bob, "1000").status == 201);

  std::mutex mu;
  std::vector<HttpResponse> results;
  std::vector<std::thread> threads;
  for (int i = 0; i < 40; ++i)
    threads.emplace_back([&, i] {
      // Half as the owner, half as the admin: both paths race for the same wallet.
      auto r = post(acme.port, "/v1/users/" + bob + "/wallet/debits", R"({"amount":100})", i % 2 ? bob_token : acme.admin);
      std::lock_guard lock(mu);
      results.push_back(std::move(r));
    });
  for (auto& t : threads) t.join();

  int ok = 0, refused = 0;
  std::set<int64_t> balances_after;
  std::vector<std::string> positions;
  for (const auto& r : results) {
    if (r.status == 201) {
      ++ok;
      balances_after.insert(json_int(r, {"balance_after"}));
      positions.push_back(r.header("regent-position"));
    } else {
      check_problem(r, 409, "insufficient_funds");
      ++refused;
    }
  }
  CHECK(ok == 10);
  CHECK(refused == 30);
  CHECK(balances_after == std::set<int64_t>{0, 100, 200, 300, 400, 500, 600, 700, 800, 900});
  acme.position = latest(positions);
  auto wallet = acme.read("/v1/users/" + bob + "/wallet");
  CHECK(json_int(wallet, {"balance"}) == 0);
  CHECK(json_int(wallet, {"version"}) == 12);
  CHECK(dev.db.count("SELECT count(*) FROM wallet_transactions WHERE type = 'debit'") == 10);
}

TEST_CASE("money is conserved after a concurrent run, in the write side and in the read models") {
  DevServer dev;
  std::vector<std::unique_ptr<Tenant>> tenants;
  std::vector<std::vector<std::string>> users(2);
  for (int t = 0; t < 2; ++t) {
    tenants.push_back(std::make_unique<Tenant>(dev.port(), "cons" + std::to_string(t)));
    users[t].push_back(tenants[t]->admin_id);
    for (int u = 0; u < 3; ++u) users[t].push_back(tenants[t]->add_user("u" + std::to_string(u)));
    users[t].push_back(tenants[t]->add_user("sub", R"(["viewer"])", users[t][1]));
  }

  std::mutex mu;
  std::map<int, int64_t> credited, debited;  // per tenant, from 201 responses
  std::map<int, std::vector<std::string>> positions;
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 8; ++w)
    threads.emplace_back([&, w] {
      std::mt19937 rng(1234 + w);
      for (int i = 0; i < 30; ++i) {
        int t = static_cast<int>(rng() % 2);
        Tenant& tenant = *tenants[t];
        const std::string& user = users[t][rng() % users[t].size()];
        int64_t amount = 1 + rng() % 700;
        int kind = static_cast<int>(rng() % 3);
        HttpResponse r;
        if (kind == 0) r = post(tenant.port, "/v1/users/" + user + "/wallet/credits", R"({"amount":)" + std::to_string(amount) + "}", tenant.admin);
        else if (kind == 1) r = post(tenant.port, "/v1/users/" + user + "/wallet/debits", R"({"amount":)" + std::to_string(amount) + "}", tenant.admin);
        else r = post(tenant.port, "/v1/activities", R"({"type":"form_download","user_id":")" + user + "\"}", tenant.admin);
        std::lock_guard lock(mu);
        if (r.status == 201) {
          positions[t].push_back(r.header("regent-position"));
          if (kind == 0) credited[t] += amount;
          else if (kind == 1) debited[t] += amount;
          else debited[t] += json_int(r, {"transaction", "amount"});
        } else {
          CHECK_MESSAGE(r.status == 409, r.body);
          ++refused;
        }
      }
    });
  for (auto& th : threads) th.join();
  CHECK(refused.load() > 0);  // the run did press against empty wallets

  auto check_all = [&](const char* when) {
    INFO(when);
    for (int t = 0; t < 2; ++t) {
      Tenant& tenant = *tenants[t];
      if (!positions[t].empty()) tenant.position = latest(positions[t]);
      int64_t expected = credited[t] - debited[t];
      int64_t read_sum = 0, write_sum = 0;
      for (const auto& user : users[t]) {
        int64_t balance = json_int(tenant.read("/v1/users/" + user + "/wallet"), {"balance"});
        read_sum += balance;
        write_sum += write_side_balance(tenant, user, balance);
        CHECK(balance >= 0);
      }
      CHECK(read_sum == expected);
      CHECK(write_sum == expected);
      std::string where = " WHERE tenant_id = '" + tenant.id + "'";
      CHECK(dev.db.count("SELECT COALESCE(sum(balance), 0) FROM wallets" + where) == expected);
      CHECK(dev.db.count("SELECT total_balance FROM wallet_totals" + where) == expected);
      CHECK(dev.db.count("SELECT credited - debited FROM wallet_totals" + where) == expected);
      CHECK(dev.db.count("SELECT COALESCE(sum(CASE type WHEN 'credit' THEN amount ELSE -amount END), 0) "
                         "FROM wallet_transactions" + where) == expected);
      // Each wallet's balance is the balance_after of its newest transaction.
      CHECK(dev.db.count("SELECT count(*) FROM wallets w" + where +
                         " AND w.balance <> COALESCE((SELECT balance_after FROM wallet_transactions t "
                         "WHERE t.user_id = w.user_id ORDER BY seq DESC LIMIT 1), 0)") == 0);
    }
  };
  check_all("while running");
  // State rebuilt from the log after a crash agrees too.
  dev.proc->kill9();
  dev.start();
  for (auto& t : tenants) t->sign_in_again(dev.port());
  check_all("after kill -9 and a rebuild from the log");
}

TEST_CASE("tenant settings: currency, activity costs and max users, versioned") {
  DevServer dev;
  Tenant acme(dev.port(), "acme");
  int port = dev.port();

  auto eur = send(port, "PATCH", "/v1/tenant", R"({"settings":{"currency":"EUR"}})", acme.admin, {{"If-Match", "\"1\""}});
  REQUIRE_MESSAGE(eur.status == 200, eur.body);
  CHECK(json_int(eur, {"version"}) == 2);
  CHECK(eur.json()->root()["settings"]["currency"].get_string().value() == "EUR");
  CHECK(json_int(eur, {"settings", "activity_costs", "report_generation"}) == 500);
  acme.track(eur);
  check_problem(send(port, "PATCH", "/v1/tenant", R"({"name":"Late"})", acme.admin, {{"If-Match", "\"1\""}}), 412,
                "version_mismatch");

  // Existing wallets and new ones are in the new currency.
  std::string bob = acme.add_user("bob");
  CHECK(acme.read("/v1/users/" + acme.admin_id + "/wallet").str("currency") == "EUR");
  CHECK(acme.read("/v1/users/" + bob + "/wallet").str("currency") == "EUR");

  auto renamed = acme.track(send(port, "PATCH", "/v1/tenant",
                                 R"({"name":"Acme Corp","settings":{"activity_costs":{"form_download":0},"max_users":3}})",
                                 acme.admin, {{"If-Match", "\"2\""}}));
  REQUIRE_MESSAGE(renamed.status == 200, renamed.body);
  CHECK(json_int(renamed, {"version"}) == 4);  // renamed, then settings_changed
  auto tenant = acme.read("/v1/tenant");
  CHECK(tenant.str("name") == "Acme Corp");
  CHECK(json_int(tenant, {"version"}) == 4);
  CHECK(json_int(tenant, {"settings", "max_users"}) == 3);
  CHECK(json_int(tenant, {"settings", "activity_costs", "form_download"}) == 0);

  // A free activity moves no money.
  auto free = acme.activity("form_download", acme.admin);
  REQUIRE_MESSAGE(free.status == 201, free.body);
  CHECK(free.body.find(R"("transaction":null)") != std::string::npos);
  CHECK(json_int(free, {"activity", "cost"}) == 0);

  // max_users holds: two users now, one more allowed.
  acme.add_user("carol");
  check_problem(post(port, "/v1/users", user_body("dave@acme.test"), acme.admin), 409, "limit_reached");

  // Nothing to change: 200, same version, nothing appended.
  int64_t before = log_end(dev);
  auto same = send(port, "PATCH", "/v1/tenant", R"({"name":"Acme Corp"})", acme.admin);
  REQUIRE(same.status == 200);
  CHECK(json_int(same, {"version"}) == 4);
  CHECK(log_end(dev) == before);

  REQUIRE(acme.credit(bob, "10").status == 201);
  check_problem(send(port, "PATCH", "/v1/tenant", R"({"settings":{"currency":"USD"}})", acme.admin), 409, "conflict");
}

TEST_CASE("dashboards match a direct computation from the commands' answers") {
  DevServer dev;
  int port = dev.port();
  Tenant dash(port, "dash");
  Tenant other(port, "other");
  std::vector<std::string> users = {dash.admin_id};
  for (int i = 0; i < 4; ++i) users.push_back(dash.add_user("u" + std::to_string(i), i % 2 ? R"(["analyst"])" : R"(["viewer"])"));
  users.push_back(dash.add_user("boss", R"(["manager","viewer"])"));
  std::string boss_token = dash.token_of("boss");

  std::map<std::string, int64_t> revenue_by_date;  // created_at's date -> debited
  int64_t credited = 0, debits = 0;
  std::map<std::string, int> activities;
  auto count_debit = [&](const HttpResponse& r, std::initializer_list<std::string_view> at) {
    auto doc = r.json();
    simdjson::dom::element e = doc->root();
    for (auto key : at) e = e[key].value();
    revenue_by_date[text(e, "created_at").substr(0, 10)] += number(e, "amount");
    ++debits;
  };
  for (size_t i = 0; i < users.size(); ++i) {
    int64_t amount = 1000 + 100 * static_cast<int64_t>(i);
    REQUIRE(dash.credit(users[i], std::to_string(amount)).status == 201);
    credited += amount;
    auto d = dash.debit(users[i], std::to_string(50 + i));
    REQUIRE(d.status == 201);
    count_debit(d, {});
    std::string type = i % 3 ? "form_download" : "report_generation";
    auto a = dash.activity(type, dash.admin, users[i]);
    REQUIRE_MESSAGE(a.status == 201, a.body);
    count_debit(a, {"transaction"});
    ++activities[type];
  }
  REQUIRE(other.credit(other.admin_id, "777").status == 201);
  auto other_debit = other.debit(other.admin_id, "77");
  REQUIRE(other_debit.status == 201);

  int64_t revenue = 0;
  for (const auto& [day, amount] : revenue_by_date) revenue += amount;
  // The day may turn while the test runs: compute "today" from the server's answer time.
  std::string today = regent::core::format_rfc3339(regent::core::now_millis()).substr(0, 10);
  auto summary = dash.read("/v1/dashboard/summary", boss_token);  // a manager may read it
  REQUIRE_MESSAGE(summary.status == 200, summary.body);
  CHECK(json_int(summary, {"users", "total"}) == 6);
  CHECK(json_int(summary, {"users", "active"}) == 6);
  CHECK(json_int(summary, {"users", "by_role", "admin"}) == 1);
  CHECK(json_int(summary, {"users", "by_role", "viewer"}) == 3);
  CHECK(json_int(summary, {"users", "by_role", "analyst"}) == 2);
  CHECK(json_int(summary, {"users", "by_role", "manager"}) == 1);
  CHECK(json_int(summary, {"wallets", "total_balance"}) == credited - revenue);
  if (regent::core::format_rfc3339(regent::core::now_millis()).substr(0, 10) == today) {
    CHECK(json_int(summary, {"revenue", "today"}) == revenue_by_date[today]);
    int64_t month = 0, year = 0;
    for (const auto& [day, amount] : revenue_by_date) {
      if (day.substr(0, 7) == today.substr(0, 7)) month += amount;
      if (day.substr(0, 4) == today.substr(0, 4)) year += amount;
    }
    CHECK(json_int(summary, {"revenue", "month"}) == month);
    CHECK(json_int(summary, {"revenue", "year"}) == year);
  }
  CHECK(json_int(summary, {"activities", "by_type", "form_download"}) == activities["form_download"]);
  CHECK(json_int(summary, {"activities", "by_type", "report_generation"}) == activities["report_generation"]);

  // Revenue by day over the days the debits happened on, every day present, counts included.
  std::vector<std::unique_ptr<regent::core::JsonDocument>> docs;
  std::string first = revenue_by_date.begin()->first, last = revenue_by_date.rbegin()->first;
  auto series = dash.read("/v1/dashboard/revenue?granularity=day&from=" + first + "&to=" + last);
  REQUIRE_MESSAGE(series.status == 200, series.body);
  CHECK(series.str("currency") == "USD");
  int64_t series_sum = 0, series_count = 0;
  for (auto item : items(series, docs)) {
    CHECK(number(item, "amount") == revenue_by_date[text(item, "period")]);
    series_sum += number(item, "amount");
    series_count += number(item, "count");
  }
  CHECK(series_sum == revenue);
  CHECK(series_count == debits);
  // Buckets are whole UTC periods, every one present, leap days included.
  auto leap = items(dash.read("/v1/dashboard/revenue?granularity=day&from=2024-02-27&to=2024-03-01T12:00:00Z"), docs);
  REQUIRE(leap.size() == 4);
  CHECK(text(leap[2], "period") == "2024-02-29");
  CHECK(number(leap[2], "amount") == 0);
  auto months = items(dash.read("/v1/dashboard/revenue?granularity=month"), docs);  // the last 12 months
  REQUIRE(months.size() == 12);
  int64_t months_sum = 0;
  for (auto m : months) months_sum += number(m, "amount");
  CHECK(months_sum == revenue);
  auto years = items(dash.read("/v1/dashboard/revenue?granularity=year&from=2020-06-01&to=" + today), docs);
  CHECK(text(years.front(), "period") == "2020");
  CHECK(text(years.back(), "period") == today.substr(0, 4));
  int64_t years_sum = 0;
  for (auto y : years) years_sum += number(y, "amount");
  CHECK(years_sum == revenue);

  // super_admin: the same figures across every tenant, and by currency.
  std::string root = login(port, "system", kRootEmail, kRootPassword);
  other.track(other_debit);
  REQUIRE(get(port, "/v1/dashboard/summary?tenant=other", root, {{"Regent-Min-Position", other.position}}).status == 200);
  auto admin = get(port, "/v1/admin/dashboard", root, {{"Regent-Min-Position", dash.position}});
  REQUIRE_MESSAGE(admin.status == 200, admin.body);
  CHECK(json_int(admin, {"tenants", "total"}) == 3);  // system, dash, other
  CHECK(json_int(admin, {"users", "total"}) == 6 + 1 + 1);
  CHECK(json_int(admin, {"users", "by_role", "super_admin"}) == 1);
  int64_t all_balance = credited - revenue + 700;
  CHECK(json_int(admin, {"wallets", "total_balance"}) == all_balance);
  CHECK(json_int(admin, {"by_currency", "USD", "total_balance"}) == all_balance);
  CHECK(json_int(admin, {"revenue", "year"}) == revenue + 77);
  CHECK(json_int(admin, {"activities", "by_type", "form_download"}) == activities["form_download"]);
}
