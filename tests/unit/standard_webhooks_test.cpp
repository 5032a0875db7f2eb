// Standard Webhooks signing against the specification's own example (the vector its reference
// libraries are tested with), secrets' shape, several signatures during a rotation, and base64.
#include <doctest/doctest.h>

#include "core/crypto.hpp"
#include "core/standard_webhooks.hpp"

using namespace regent::core;

TEST_CASE("a Standard Webhooks signature is the specification's for its example") {
  auto key = webhook_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  REQUIRE(key);
  CHECK(webhook_signature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  // A receiver's check: the body, the id and the timestamp are all signed.
  std::string header = webhook_signature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})");
  CHECK(webhook_signature_matches(header, *key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})"));
  CHECK_FALSE(webhook_signature_matches(header, *key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232315})"));
  CHECK_FALSE(webhook_signature_matches(header, *key, "msg_other", 1614265330, R"({"test": 2432232314})"));
  CHECK_FALSE(webhook_signature_matches(header, *key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, R"({"test": 2432232314})"));
}

TEST_CASE("during a rotation both secrets sign, and either one verifies") {
  auto old_key = *webhook_key(make_webhook_secret());
  auto new_key = *webhook_key(make_webhook_secret());
  auto other = *webhook_key(make_webhook_secret());
  std::string header = webhook_signature_header({new_key, old_key}, "evt_1", 1700000000, "{}");
  CHECK(header.find(' ') != std::string::npos);
  CHECK(header.rfind("v1,", 0) == 0);
  CHECK(header.find(" v1,") != std::string::npos);
  CHECK(webhook_signature_matches(header, old_key, "evt_1", 1700000000, "{}"));
  CHECK(webhook_signature_matches(header, new_key, "evt_1", 1700000000, "{}"));
  CHECK_FALSE(webhook_signature_matches(header, other, "evt_1", 1700000000, "{}"));
  CHECK(webhook_signature_header({new_key}, "evt_1", 1700000000, "{}") == webhook_signature(new_key, "evt_1", 1700000000, "{}"));
}

TEST_CASE("a webhook secret is whsec_ and the base64 of 24 to 64 random bytes") {
  auto a = make_webhook_secret(), b = make_webhook_secret();
  CHECK(a != b);
  CHECK(a.rfind("whsec_", 0) == 0);
  REQUIRE(webhook_key(a));
  CHECK(webhook_key(a)->size() == 32);
  CHECK(webhook_key(make_webhook_secret(24))->size() == 24);
  CHECK(webhook_key(make_webhook_secret(64))->size() == 64);
  CHECK_FALSE(webhook_key(make_webhook_secret(23)));
  CHECK_FALSE(webhook_key(make_webhook_secret(65)));
  CHECK_FALSE(webhook_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));         // no prefix
  CHECK_FALSE(webhook_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS"));    // not base64
  CHECK_FALSE(webhook_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-w"));   // base64url's alphabet
}

TEST_CASE("base64 with padding, as RFC 4648 gives its examples") {
  const char* cases[][2] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
                            {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto& c : cases) {
    CAPTURE(c[0]);
    CHECK(base64_encode(c[0]) == c[1]);
    CHECK(base64_decode(c[1]) == std::string(c[0]));
  }
  CHECK(base64_encode("\xfb\xff") == "+/8=");
  CHECK(base64_decode("+/8=") == std::string("\xfb\xff"));
  for (const char* bad : {"Zg", "Zg=", "Z===", "Zm9v=", "-_8=", "Zg==Zg==", "Zh=="}) {
    CAPTURE(bad);
    CHECK_FALSE(base64_decode(bad));
  }
}
