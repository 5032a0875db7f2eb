// The scheduler's credential: good for its tenant and about a minute, under the servers' secret only.
#include <doctest/doctest.h>

#include <vector>

#include "api/service_tokens.hpp"

using namespace regent;

TEST_CASE("a service token verifies for its tenant only, under its secret only, until it expires") {
  const std::string secret(40, 's');
  core::TenantId tenant{"01a232c0-a508-7010-804d-651765969e37"};
  int64_t now = 1'800'000'000;
  std::string token = api::service_token(secret, tenant, now);
  CHECK(api::looks_like_service_token(token));
  REQUIRE(api::verify_service_token(secret, token, now));
  CHECK(api::verify_service_token(secret, token, now)->value == tenant.value);
  CHECK(api::verify_service_token(secret, token, now + api::kServiceTokenSeconds - 1));
  CHECK_FALSE(api::verify_service_token(secret, token, now + api::kServiceTokenSeconds));  // expired
  CHECK_FALSE(api::verify_service_token(std::string(40, 't'), token, now));                // another secret
  // Another tenant, a later expiry or a changed signature: each refused.
  std::string other = token;
  other.replace(4, 36, "01a232c0-a508-7010-804d-651765969e38");
  CHECK_FALSE(api::verify_service_token(secret, other, now));
  auto dot = token.rfind('.');
  std::string longer = token.substr(0, 41) + std::to_string(now + 3600) + token.substr(dot);
  CHECK_FALSE(api::verify_service_token(secret, longer, now));
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  CHECK_FALSE(api::verify_service_token(secret, forged, now));
  // Even a genuine signature over an expiry too far ahead is refused: no token lasts.
  std::string far = api::service_token(secret, tenant, now + 3600);
  CHECK_FALSE(api::verify_service_token(secret, far, now));
  for (const std::string& bad : std::vector<std::string>{"svc_", "svc_x.y.z", "svc_" + tenant.value + "..", "svc_" + tenant.value + ".12a.x", "rk_abc"})
    CHECK_FALSE(api::verify_service_token(secret, bad, now));
}
