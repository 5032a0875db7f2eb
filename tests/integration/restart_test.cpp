// `regent dev` keeps everything across restarts, even kill -9, and applies nothing twice.
#include <mutex>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {
int64_t checkpoint_sum(const DevServer& dev, const std::string& projection) {
  return dev.db.count("SELECT COALESCE(sum(next_offset), 0) FROM projection_checkpoints WHERE projection = '" +
                      projection + "'");
}
}  // namespace

TEST_CASE("a SIGKILLed regent dev comes back with every tenant and user, applied once") {
  DevServer dev;
  int port = dev.port();
  signup(port, "durable", "ada@durable.test");
  std::string token = login(port, "durable", "ada@durable.test");
  std::string position = create_users(port, token, "u", "durable.test", 5);
  REQUIRE(get(port, "/v1/users", token, {{"Regent-Min-Position", position}}).status == 200);
  long long users_before = dev.db.count("SELECT count(*) FROM users");
  long long roles_before = dev.db.count("SELECT count(*) FROM user_roles");
  CHECK(users_before == 7);  // super_admin, ada and five users

  dev.proc->kill9();
  dev.start();
  port = dev.port();

  // The same credentials work: the write side rebuilt its state from the restored log.
  std::string again = login(port, "durable", "ada@durable.test");
  auto more = post(port, "/v1/users", user_body("after@durable.test"), again);
  REQUIRE(more.status == 201);
  auto dup = post(port, "/v1/users", user_body("u3@durable.test"), again);
  CHECK(dup.status == 409);
  auto list = get(port, "/v1/users?limit=500", again, {{"Regent-Min-Position", more.header("regent-position")}});
  REQUIRE(list.status == 200);
  CHECK(simdjson::dom::array(list.json()->root()["items"]).size() == 7);
  CHECK(dev.db.count("SELECT count(*) FROM users") == users_before + 1);
  CHECK(dev.db.count("SELECT count(*) FROM user_roles") == roles_before + 1);

  // Every projection stands exactly at the end of the log: nothing skipped, nothing re-read. The
  // server waits for each partition's last offset (positions are "<partition>.<offset>").
  auto ends = dev.log_ends();
  int64_t end = 0;
  for (int p = 0; p < DevServer::kPartitions; ++p) {
    end += ends[p];
    std::string last = std::to_string(p) + "." + std::to_string(ends[p] - 1);
    REQUIRE(get(port, "/v1/me", again, {{"Regent-Min-Position", last}}).status == 200);
  }
  CHECK(checkpoint_sum(dev, "users") == end);
  CHECK(checkpoint_sum(dev, "tenants") == end);
  CHECK(dev.db.count("SELECT count(*) FROM projection_checkpoints WHERE skipped_invalid > 0") == 0);
}

TEST_CASE("with a few kilobytes of the log in memory, regent dev reads the rest from its file, before and after a SIGKILL") {
  // 2 KB per partition: almost every record the processor and the projections read at start, and
  // most of what they follow, comes back from the write-ahead file through the offset index.
  DevServer dev(std::map<std::string, std::string>{{"REGENT_EMBEDDED_LOG_MEMORY", "2048"}});
  int port = dev.port();
  Tenant t(port, "small");
  std::string bob = t.add_user("bob");
  for (int i = 0; i < 40; ++i) REQUIRE(t.credit(bob, "5").status == 201);
  auto wallet = t.read("/v1/users/" + bob + "/wallet");
  REQUIRE(wallet.status == 200);
  CHECK(json_int(wallet, {"balance"}) == 200);

  dev.proc->kill9();
  dev.start();
  t.sign_in_again(dev.port());
  // The command state was rebuilt from the file: the balance is exact.
  check_problem(t.debit(bob, "201"), 409, "insufficient_funds");
  REQUIRE(t.debit(bob, "200").status == 201);
  auto after = t.read("/v1/users/" + bob + "/wallet/transactions?limit=100");
  REQUIRE(after.status == 200);
  CHECK(simdjson::dom::array(after.json()->root()["items"]).size() == 41);
  auto ends = dev.log_ends();
  int64_t end = std::accumulate(ends.begin(), ends.end(), int64_t{0});
  for (int p = 0; p < DevServer::kPartitions; ++p)
    REQUIRE(get(dev.port(), "/v1/me", t.admin, {{"Regent-Min-Position", std::to_string(p) + "." + std::to_string(ends[p] - 1)}})
                .status == 200);
  CHECK(checkpoint_sum(dev, "wallets") == end);
  CHECK(dev.db.count("SELECT count(*) FROM projection_checkpoints WHERE skipped_invalid > 0") == 0);
  CHECK(dev.db.count("SELECT count(*) FROM projection_checkpoints WHERE stalled_offset IS NOT NULL") == 0);
}

TEST_CASE("a graceful stop exits 0 and a restart serves the same data") {
  DevServer dev;
  signup(dev.port(), "graceful", "g@graceful.test");
  CHECK(dev.proc->terminate() == 0);
  dev.start();
  std::string token = login(dev.port(), "graceful", "g@graceful.test");
  CHECK(get(dev.port(), "/v1/tenant", token).str("slug") == "graceful");
}

TEST_CASE("requests in flight when SIGTERM arrives are answered before the process exits") {
  DevServer dev;
  int port = dev.port();
  signup(port, "inflight", "i@inflight.test");
  std::string token = login(port, "inflight", "i@inflight.test");
  // Queries that wait for a position the log will not reach: in flight for the whole consistency
  // timeout, then answered 503.
  constexpr int kSlow = 4;
  std::mutex mu;
  std::vector<std::string> answers;
  std::vector<std::thread> threads;
  for (int i = 0; i < kSlow; ++i)
    threads.emplace_back([&] {
      std::string outcome;
      try {
        auto r = get(port, "/v1/users", token, {{"Regent-Min-Position", "0.999999999"}});
        outcome = std::to_string(r.status) + " " + r.str("code");
      } catch (const std::exception& ex) {
        outcome = std::string("no answer: ") + ex.what();
      }
      std::lock_guard lock(mu);
      answers.push_back(outcome);
    });
  // Until the server says they are all being handled (the metrics request itself is one more).
  bool all_in = false;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(4);
       !all_in && std::chrono::steady_clock::now() < until;) {
    all_in = metric(port, "regent_http_requests_in_flight") >= kSlow + 1;
  }
  REQUIRE(all_in);
  CHECK(dev.proc->terminate() == 0);
  for (auto& t : threads) t.join();
  REQUIRE(answers.size() == kSlow);
  for (const auto& a : answers) CHECK(a == "503 projection_lagging");
}
