// Idempotency-Key as API.md has it: the first answer again for the same request, a refusal for a
// different one, a conflict while the first is in flight, per tenant, across restarts.
#include <mutex>
#include <set>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {
// A credit of the admin's own wallet under an Idempotency-Key (safe from many threads at once).
HttpResponse credit(const Tenant& t, const std::string& amount, const std::string& key, const std::string& token = "") {
  return post(t.port, "/v1/users/" + t.admin_id + "/wallet/credits", R"({"amount":)" + amount + "}",
              token.empty() ? t.admin : token, {{"Idempotency-Key", key}});
}
}  // namespace

TEST_CASE("the same key and request get the first answer again, and another request with it is refused") {
  DevServer dev;
  Tenant acme(dev.port(), "acme");
  int port = acme.port;

  auto first = credit(acme, "500", "credit-1");
  REQUIRE_MESSAGE(first.status == 201, first.body);
  CHECK(first.header("idempotent-replayed").empty());
  int64_t end = log_end(dev);
  auto again = credit(acme, "500", "credit-1");
  CHECK(again.status == 201);
  CHECK(again.body == first.body);
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(again.header("regent-position") == first.header("regent-position"));
  CHECK(log_end(dev) == end);

  auto other = credit(acme, "501", "credit-1");
  check_problem(other, 422, "idempotency_key_reused");
  CHECK(log_end(dev) == end);
  auto wallet = get(port, "/v1/users/" + acme.admin_id + "/wallet", acme.admin,
                    {{"Regent-Min-Position", first.header("regent-position")}});
  CHECK(json_int(wallet, {"balance"}) == 500);

  SUBCASE("a created user is the same user") {
    auto u1 = post(port, "/v1/users", user_body("bob@acme.test"), acme.admin, {{"Idempotency-Key", "user-bob"}});
    REQUIRE(u1.status == 201);
    auto u2 = post(port, "/v1/users", user_body("bob@acme.test"), acme.admin, {{"Idempotency-Key", "user-bob"}});
    CHECK(u2.status == 201);
    CHECK(u2.str("id") == u1.str("id"));
    CHECK(u2.body == u1.body);
    CHECK(u2.header("location") == u1.header("location"));
    CHECK(u2.header("idempotent-replayed") == "true");
  }
  SUBCASE("a sign-up is the same tenant") {
    std::string body = signup_body("again", "eve@again.test");
    auto t1 = post(port, "/v1/tenants", body, "", {{"Idempotency-Key", "signup-again"}});
    REQUIRE(t1.status == 201);
    auto t2 = post(port, "/v1/tenants", body, "", {{"Idempotency-Key", "signup-again"}});
    CHECK(t2.status == 201);
    CHECK(t2.body == t1.body);
    CHECK(t2.header("idempotent-replayed") == "true");
  }
  SUBCASE("a sign-in is the same session") {
    std::string body = R"({"tenant":"acme","email":"admin@acme.test","password":")" + kPassword + "\"}";
    auto s1 = post(port, "/v1/auth/login", body, "", {{"Idempotency-Key", "login-1"}});
    REQUIRE(s1.status == 200);
    auto s2 = post(port, "/v1/auth/login", body, "", {{"Idempotency-Key", "login-1"}});
    CHECK(s2.status == 200);
    CHECK(s2.str("access_token") == s1.str("access_token"));
    auto s3 = post(port, "/v1/auth/login", body, "", {{"Idempotency-Key", "login-2"}});
    CHECK(s3.str("access_token") != s1.str("access_token"));
  }
  SUBCASE("a refusal is the same refusal, even once it would no longer hold") {
    std::string debits = "/v1/users/" + acme.admin_id + "/wallet/debits";
    auto no = post(port, debits, R"({"amount":900})", acme.admin, {{"Idempotency-Key", "debit-1"}});
    check_problem(no, 409, "insufficient_funds");
    REQUIRE(credit(acme, "1000", "credit-2").status == 201);
    auto still = post(port, debits, R"({"amount":900})", acme.admin, {{"Idempotency-Key", "debit-1"}});
    check_problem(still, 409, "insufficient_funds");
    CHECK(still.header("idempotent-replayed") == "true");
    CHECK(post(port, debits, R"({"amount":900})", acme.admin, {{"Idempotency-Key", "debit-2"}}).status == 201);
  }
  SUBCASE("a malformed key is 422 and runs nothing") {
    for (const std::string& key : {std::string(256, 'k'), std::string("tab\tkey")}) {
      auto r = credit(acme, "5", key);
      check_problem(r, 422, "validation_failed");
      CHECK(error_fields(r) == std::vector<std::string>{"Idempotency-Key"});
    }
    CHECK(log_end(dev) == end);
  }
}

TEST_CASE("keys belong to the caller's tenant and to the caller") {
  DevServer dev;
  Tenant a(dev.port(), "alpha");
  Tenant b(dev.port(), "beta");
  auto in_a = credit(a, "100", "shared-key");
  auto in_b = credit(b, "100", "shared-key");
  REQUIRE(in_a.status == 201);
  REQUIRE(in_b.status == 201);
  CHECK(in_b.header("idempotent-replayed").empty());
  CHECK(in_b.str("id") != in_a.str("id"));

  // Another admin of the same tenant cannot read the first one's answer through the key.
  auto second = post(a.port, "/v1/users", user_body("root2@alpha.test", R"(["admin"])"), a.admin);
  REQUIRE(second.status == 201);
  std::string second_admin = login(a.port, "alpha", "root2@alpha.test");
  check_problem(credit(a, "100", "shared-key", second_admin), 422, "idempotency_key_reused");
}

TEST_CASE("simultaneous requests with one key run the command once") {
  DevServer dev;
  Tenant acme(dev.port(), "acme");
  int64_t before = log_end(dev);
  std::mutex mu;
  std::vector<HttpResponse> answers;
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&] {
      auto r = credit(acme, "700", "once");
      std::lock_guard lock(mu);
      answers.push_back(std::move(r));
    });
  for (auto& t : threads) t.join();
  std::set<std::string> bodies;
  int created = 0, busy = 0;
  for (const auto& r : answers) {
    if (r.status == 201) {
      ++created;
      bodies.insert(r.body);
    } else {
      check_problem(r, 409, "conflict");
      CHECK(r.header("retry-after") == "1");
      ++busy;
    }
  }
  CHECK(created >= 1);
  CHECK(created + busy == 20);
  CHECK(bodies.size() == 1);          // every success is the one execution's answer
  CHECK(log_end(dev) - before == 1);  // one wallet.credited
}

TEST_CASE("a key outlives a crash: the answer is rebuilt from the log") {
  DevServer dev;
  Tenant acme(dev.port(), "acme");
  auto first = credit(acme, "250", "durable-key");
  REQUIRE(first.status == 201);
  auto user = post(acme.port, "/v1/users", user_body("kim@acme.test"), acme.admin, {{"Idempotency-Key", "durable-user"}});
  REQUIRE(user.status == 201);

  dev.proc->kill9();
  dev.start();
  acme.sign_in_again(dev.port());
  int64_t end = log_end(dev);
  auto again = credit(acme, "250", "durable-key");
  CHECK(again.status == 201);
  CHECK(again.body == first.body);
  CHECK(again.header("regent-position") == first.header("regent-position"));
  CHECK(again.header("idempotent-replayed") == "true");
  auto user_again = post(acme.port, "/v1/users", user_body("kim@acme.test"), acme.admin, {{"Idempotency-Key", "durable-user"}});
  CHECK(user_again.status == 201);
  CHECK(user_again.body == user.body);
  check_problem(credit(acme, "251", "durable-key"), 422, "idempotency_key_reused");
  CHECK(log_end(dev) == end);
}
