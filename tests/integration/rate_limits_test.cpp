// Sign-in, sign-up (and invitation acceptance) and refresh limits over HTTP: reached (429 rate_limited with Retry-After,
// nothing appended) and recovered.
#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {
HttpResponse sign_in(int port, const std::string& slug, const std::string& email, const std::string& password) {
  return post(port, "/v1/auth/login",
              R"({"tenant":")" + slug + R"(","email":")" + email + R"(","password":")" + password + "\"}");
}

void check_limited(const HttpResponse& r) {
  check_problem(r, 429, "rate_limited");
  CHECK(std::stoi(r.header("retry-after")) >= 1);
}
}  // namespace

TEST_CASE("sign-in attempts are limited per account and per address, and recover") {
  DevServer dev(std::map<std::string, std::string>{{"REGENT_SIGNIN_LIMIT_PER_ACCOUNT", "6/min"},
                                                   {"REGENT_SIGNIN_LIMIT_PER_IP", "11/min"}});
  int port = dev.port();
  signup(port, "lim", "ada@lim.test");
  signup(port, "lim2", "bob@lim2.test");
  // Wrong passwords for one account: six are answered, the seventh is refused unheard, even with
  // the right password, and nothing is appended for it.
  for (int i = 0; i < 6; ++i) check_problem(sign_in(port, "lim", "ada@lim.test", "wrong password " + std::to_string(i)), 401, "unauthenticated");
  int64_t before = log_end(dev);
  check_limited(sign_in(port, "lim", "ada@lim.test", kPassword));
  check_limited(sign_in(port, "lim", "ADA@lim.test", kPassword));  // the same account, however spelt
  CHECK(log_end(dev) == before);
  // Another account from the same address: allowed until the address's limit (11 attempts, the
  // refused ones included) is reached.
  for (int i = 0; i < 3; ++i) CHECK(sign_in(port, "lim2", "bob@lim2.test", kPassword).status == 200);
  check_limited(sign_in(port, "lim2", "bob@lim2.test", kPassword));
  // One token comes back every 10 s for the account (6/min) and every 5.5 s for the address.
  REQUIRE(eventually([&] { return sign_in(port, "lim", "ada@lim.test", kPassword).status == 200; },
                     std::chrono::seconds(30)));
}

TEST_CASE("sign-ups are limited per address, super_admin's tenant creations are not") {
  DevServer dev(std::map<std::string, std::string>{{"REGENT_SIGNUP_LIMIT_PER_IP", "2/h"}});
  int port = dev.port();
  signup(port, "su1", "a@su1.test");
  signup(port, "su2", "a@su2.test");
  int64_t before = log_end(dev);
  check_limited(post(port, "/v1/tenants", signup_body("su3", "a@su3.test")));
  CHECK(log_end(dev) == before);
  std::string root = login(port, "system", kRootEmail, kRootPassword);
  CHECK(post(port, "/v1/tenants", signup_body("su4", "a@su4.test"), root).status == 201);
}

TEST_CASE("refreshes are limited per address, and recover") {
  DevServer dev(std::map<std::string, std::string>{{"REGENT_REFRESH_LIMIT_PER_IP", "3/s"}});
  int port = dev.port();
  Tenant t(port, "rl");
  auto first = post(port, "/v1/auth/login",
                    R"({"tenant":"rl","email":")" + t.admin_email() + R"(","password":")" + kPassword + "\"}");
  std::string token = first.str("refresh_token");
  int limited = 0;
  for (int i = 0; i < 8 && !limited; ++i) {
    auto r = post(port, "/v1/auth/refresh", R"({"refresh_token":")" + token + "\"}");
    if (r.status == 429) {
      check_limited(r);
      ++limited;
    } else {
      REQUIRE_MESSAGE(r.status == 200, r.body);
      token = r.str("refresh_token");
    }
  }
  CHECK(limited == 1);
  REQUIRE(eventually([&] {
    auto r = post(port, "/v1/auth/refresh", R"({"refresh_token":")" + token + "\"}");
    return r.status == 200;
  }, std::chrono::seconds(5)));
}

TEST_CASE("invitation acceptances count against the sign-up limit per address, and recover") {
  DevServer dev(std::map<std::string, std::string>{{"REGENT_SIGNUP_LIMIT_PER_IP", "2/s"}});
  int port = dev.port();
  Tenant t(port, "invlim");  // its sign-up took one token, which is back within a second
  auto accept = [&](const std::string& token) {
    return post(port, "/v1/invitations/accept",
                R"({"token":")" + token + R"(","password":")" + kPassword + R"(","full_name":"Guest"})");
  };
  // Bad tokens count too: they are refused (401) until the limit, then refused unheard (429).
  int limited = 0, refused = 0;
  for (int i = 0; i < 10 && limited == 0; ++i) {
    auto r = accept("inv_" + t.id + "." + std::string(43, 'A'));
    if (r.status == 429) ++limited, check_limited(r);
    else check_problem(r, 401, "unauthenticated"), ++refused;
  }
  CHECK(limited == 1);
  CHECK(refused >= 1);
  auto made = t.track(post(port, "/v1/invitations", R"({"email":"guest@invlim.test"})", t.admin));
  REQUIRE(made.status == 201);
  int64_t before = log_end(dev);
  // Once a token is back, the real invitation is accepted.
  REQUIRE(eventually([&] {
    auto r = accept(made.str("token"));
    if (r.status == 429) return false;
    CHECK_MESSAGE(r.status == 201, r.body);
    return true;
  }));
  CHECK(log_end(dev) == before + 2);  // invitation.accepted and user.created, once
}
