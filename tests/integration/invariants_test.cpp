// Invariants under concurrency, through HTTP: many requests at once, one writer deciding them.
#include <mutex>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace regent::test;

TEST_CASE("of 50 simultaneous creations of the same email exactly one succeeds") {
  DevServer dev;
  int port = dev.port();
  signup(port, "same", "admin@same.test");
  std::string admin = login(port, "same", "admin@same.test");
  auto rs = all_at_once(50, [&](int i) {
    // Differently cased, the same address.
    std::string email = i % 2 ? "Twin@Same.test" : "twin@same.test";
    return post(port, "/v1/users", user_body(email), admin);
  });
  CHECK(count_status(rs, 201) == 1);
  CHECK(count_status(rs, 409) == 49);
  for (const auto& r : rs)
    if (r.status == 409) check_problem(r, 409, "email_taken");
  std::string position;
  for (const auto& r : rs)
    if (r.status == 201) position = r.header("regent-position");
  auto list = get(port, "/v1/users?q=twin", admin, {{"Regent-Min-Position", position}});
  REQUIRE(list.status == 200);
  CHECK(simdjson::dom::array(list.json()->root()["items"]).size() == 1);
}

TEST_CASE("max_users is never exceeded, however many creations race for the last places") {
  DevServer dev;
  int port = dev.port();
  signup(port, "full", "admin@full.test");
  std::string admin = login(port, "full", "admin@full.test");
  auto patch = send(port, "PATCH", "/v1/tenant", R"({"settings":{"max_users":10}})", admin);
  REQUIRE_MESSAGE(patch.status == 200, patch.body);
  int64_t before = log_end(dev);
  auto rs = all_at_once(30, [&](int i) {
    return post(port, "/v1/users", user_body("racer" + std::to_string(i) + "@full.test"), admin);
  });
  CHECK(count_status(rs, 201) == 9);  // the admin holds the tenth place
  CHECK(count_status(rs, 409) == 21);
  for (const auto& r : rs)
    if (r.status == 409) check_problem(r, 409, "limit_reached");
  CHECK(log_end(dev) - before == 9);  // one user.created each, nothing for the refused
  std::string last;
  int64_t last_offset = -1;
  for (const auto& r : rs) {
    if (r.status != 201) continue;
    std::string p = r.header("regent-position");
    int64_t offset = std::stoll(p.substr(p.find('.') + 1));
    if (offset > last_offset) last_offset = offset, last = p;
  }
  auto list = get(port, "/v1/users?limit=500", admin, {{"Regent-Min-Position", last}});
  REQUIRE(list.status == 200);
  CHECK(simdjson::dom::array(list.json()->root()["items"]).size() == 10);
}
