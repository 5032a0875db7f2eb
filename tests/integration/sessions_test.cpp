// Sign-in sessions over HTTP: refresh tokens spent and renewed, a race of two refreshes, reuse
// revoking the whole sign-in, logout, bad input, and no token in clear in the log.
#include <future>

#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {
struct Pair {
  std::string access;
  std::string refresh;
};

Pair pair_of(const HttpResponse& r) {
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(r.header("cache-control") == "no-store");
  return {r.str("access_token"), r.str("refresh_token")};
}

Pair sign_in(int port, const std::string& slug, const std::string& email,
             const std::map<std::string, std::string>& headers = {}) {
  return pair_of(post(port, "/v1/auth/login",
                      R"({"tenant":")" + slug + R"(","email":")" + email + R"(","password":")" + kPassword + "\"}",
                      "", headers));
}

HttpResponse refresh(int port, const std::string& token) {
  return post(port, "/v1/auth/refresh", R"({"refresh_token":")" + token + "\"}");
}
HttpResponse logout(int port, const std::string& token) {
  return post(port, "/v1/auth/logout", R"({"refresh_token":")" + token + "\"}");
}
}  // namespace

TEST_CASE("a refresh token is spent for a new pair, and the new one refreshes in its turn") {
  DevServer dev;
  int port = dev.port();
  Tenant t(port, "fresh");
  Pair first = sign_in(port, "fresh", t.admin_email());
  CHECK(first.refresh.rfind("rt_" + t.id + ".", 0) == 0);
  CHECK(first.refresh.size() == 83);
  Pair second = pair_of(refresh(port, first.refresh));
  CHECK(second.refresh != first.refresh);
  CHECK(get(port, "/v1/me", second.access).status == 200);
  CHECK(get(port, "/v1/me", first.access).status == 200);  // the same sign-in: still standing
  Pair third = pair_of(refresh(port, second.refresh));
  CHECK(get(port, "/v1/me", third.access).status == 200);

  // A retry of a sign-in with the same Idempotency-Key gets the very same tokens back.
  Pair once = sign_in(port, "fresh", t.admin_email(), {{"Idempotency-Key", "login-1"}});
  Pair again = sign_in(port, "fresh", t.admin_email(), {{"Idempotency-Key", "login-1"}});
  CHECK(again.refresh == once.refresh);
  CHECK(again.access == once.access);
}

TEST_CASE("two refreshes of one token at once: exactly one wins, and the winner's tokens keep working") {
  DevServer dev;
  int port = dev.port();
  Tenant t(port, "race");
  for (int round = 0; round < 5; ++round) {
    Pair p = sign_in(port, "race", t.admin_email());
    auto a = std::async(std::launch::async, [&] { return refresh(port, p.refresh); });
    auto b = std::async(std::launch::async, [&] { return refresh(port, p.refresh); });
    HttpResponse ra = a.get(), rb = b.get();
    CHECK(count_status({ra, rb}, 200) == 1);
    CHECK(count_status({ra, rb}, 401) == 1);
    const HttpResponse& winner = ra.status == 200 ? ra : rb;
    Pair won = pair_of(winner);
    CHECK(get(port, "/v1/me", won.access).status == 200);
    CHECK(refresh(port, won.refresh).status == 200);
  }
}

TEST_CASE("a spent refresh token presented again revokes the whole sign-in") {
  DevServer dev;
  int port = dev.port();
  Tenant t(port, "reuse");
  Pair stolen = sign_in(port, "reuse", t.admin_email());
  Pair legit = pair_of(refresh(port, stolen.refresh));
  // Within a few seconds of its use a spent token is only refused (a client's own retry); once
  // that grace has passed, presenting it is reuse: the sign-in is revoked.
  REQUIRE(eventually([&] {
    check_problem(refresh(port, stolen.refresh), 401, "unauthenticated");
    return get(port, "/v1/me", legit.access).status == 401;
  }, std::chrono::seconds(20)));
  check_problem(refresh(port, legit.refresh), 401, "unauthenticated");
  check_problem(get(port, "/v1/me", stolen.access), 401, "unauthenticated");
  // Another sign-in of the same user is untouched.
  Pair other = sign_in(port, "reuse", t.admin_email());
  CHECK(get(port, "/v1/me", other.access).status == 200);
  CHECK(get(port, "/v1/me", t.admin).status == 200);
}

TEST_CASE("logout ends the sign-in: its access and refresh tokens stop working at once") {
  DevServer dev;
  int port = dev.port();
  Tenant t(port, "bye");
  Pair p = sign_in(port, "bye", t.admin_email());
  REQUIRE(get(port, "/v1/me", p.access).status == 200);
  auto out = logout(port, p.refresh);
  CHECK(out.status == 204);
  CHECK(out.body.empty());
  check_problem(get(port, "/v1/me", p.access), 401, "unauthenticated");
  check_problem(refresh(port, p.refresh), 401, "unauthenticated");
  // Logging out again, or with a token that is no token, says nothing either way.
  CHECK(logout(port, p.refresh).status == 204);
  CHECK(logout(port, "rt_" + t.id + "." + std::string(43, 'A')).status == 204);
  CHECK(logout(port, "garbage").status == 204);
  CHECK(get(port, "/v1/me", t.admin).status == 200);  // the admin's other sign-in stands
}

TEST_CASE("bad refresh requests get clear problems and append nothing") {
  DevServer dev;
  int port = dev.port();
  Tenant t(port, "badrt");
  int64_t before = log_end(dev);
  check_problem(post(port, "/v1/auth/refresh", "{}"), 422, "validation_failed");
  check_problem(post(port, "/v1/auth/refresh", R"({"refresh_token":5})"), 422, "validation_failed");
  check_problem(post(port, "/v1/auth/refresh", R"({"refresh_token":"x","extra":1})"), 422, "validation_failed");
  check_problem(post(port, "/v1/auth/refresh", R"({"refresh_token":)"), 400, "invalid_json");
  check_problem(post(port, "/v1/auth/refresh", R"({"refresh_token":"x"})", "", {{"Content-Type", "text/plain"}}), 415,
                "unsupported_media_type");
  for (std::string token : std::vector<std::string>{"garbage", "rt_" + t.id + "." + std::string(43, 'A'), "rt_not-a-uuid-at-all-not-a-uuid-at-all." + std::string(43, 'A'),
                            "rt_" + std::string(36, '0') + "." + std::string(43, 'A')}) {
    CAPTURE(token);
    auto r = refresh(port, token);
    check_problem(r, 401, "unauthenticated");
    CHECK(r.body.find(token) == std::string::npos);
  }
  check_problem(post(port, "/v1/auth/logout", "{}"), 422, "validation_failed");
  CHECK(log_end(dev) == before);
}

TEST_CASE("no refresh token is in the log in clear") {
  DevServer dev;
  int port = dev.port();
  Tenant t(port, "clear");
  Pair p = sign_in(port, "clear", t.admin_email());
  Pair q = pair_of(refresh(port, p.refresh));
  REQUIRE(logout(port, q.refresh).status == 204);
  std::map<std::string, int> types;
  for (const auto& m : all_events(dev)) {
    for (const auto& secret : {p.refresh, q.refresh, p.refresh.substr(40), q.refresh.substr(40)})
      CHECK(m.find(secret) == std::string::npos);
    std::string type = event_field(m, "type");
    ++types[type];
    if (type.rfind("session.", 0) == 0) {  // the user acts on its own sign-in
      CHECK(event_field(m, "actorid") == t.admin_id);
      CHECK(event_field(m, "actortype") == "user");
    }
  }
  CHECK(types["session.refreshed"] == 1);
  CHECK(types["session.revoked"] == 1);
}
