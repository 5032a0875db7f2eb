#include <doctest/doctest.h>

#include "api/jwt.hpp"
#include "core/crypto.hpp"

using namespace regent;

namespace {
const std::string kKey = "0123456789abcdef0123456789abcdef";
api::Claims claims() {
  api::Claims c;
  c.iss = c.aud = "regent";
  c.sub = "user-1";
  c.tid = "tenant-1";
  c.roles = {"admin"};
  c.iat = 1000;
  c.exp = 2000;
  c.jti = "j";
  return c;
}
}  // namespace

TEST_CASE("a signed token verifies and keeps its claims") {
  auto v = api::verify_jwt(api::sign_jwt(claims(), kKey), kKey, "regent", 1500);
  REQUIRE(v.ok());
  CHECK(v->sub == "user-1");
  CHECK(v->tid == "tenant-1");
  CHECK(v->roles == std::vector<std::string>{"admin"});
}

TEST_CASE("expired, foreign, tampered and unsigned tokens are refused") {
  std::string token = api::sign_jwt(claims(), kKey);
  CHECK_FALSE(api::verify_jwt(token, kKey, "regent", 2000).ok());             // expired
  CHECK_FALSE(api::verify_jwt(token, kKey, "other", 1500).ok());              // wrong issuer
  CHECK_FALSE(api::verify_jwt(token, kKey + "x", "regent", 1500).ok());       // wrong key
  auto d1 = token.find('.'), d2 = token.rfind('.');
  auto payload = *core::base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  payload.replace(payload.find("\"admin\""), 7, "\"owner\"");
  std::string tampered = token.substr(0, d1 + 1) + core::base64url_encode(payload) + token.substr(d2);
  CHECK_FALSE(api::verify_jwt(tampered, kKey, "regent", 1500).ok());
  std::string none = core::base64url_encode(R"({"alg":"none","typ":"JWT"})") + token.substr(d1, d2 - d1) + ".";
  CHECK_FALSE(api::verify_jwt(none, kKey, "regent", 1500).ok());
  std::string hs512 = core::base64url_encode(R"({"alg":"HS512","typ":"JWT"})") + token.substr(d1);
  CHECK_FALSE(api::verify_jwt(hs512, kKey, "regent", 1500).ok());
  CHECK_FALSE(api::verify_jwt("a.b", kKey, "regent", 1500).ok());
  CHECK_FALSE(api::verify_jwt("", kKey, "regent", 1500).ok());
}
