#include <doctest/doctest.h>

#include "core/rate_limit.hpp"

using namespace regent::core;

TEST_CASE("rates are N/s, N/min or N/h, or 0 for none") {
  CHECK(parse_rate("10/min")->count == 10);
  CHECK(parse_rate("10/min")->period_ms == 60'000);
  CHECK(parse_rate("100/s")->period_ms == 1000);
  CHECK(parse_rate("20/h")->period_ms == 3'600'000);
  CHECK(parse_rate("5/m")->period_ms == 60'000);
  CHECK(parse_rate("0")->off());
  for (const char* bad : {"", "10", "ten/min", "10/day", "-1/s", "0/s", "10/", "/min", "10/min/x", "1.5/s"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rate(bad).ok());
  }
}

TEST_CASE("a bucket lets its count through, then says how long until the next") {
  RateLimiter limiter(Rate{3, 60'000});
  int64_t t = 1'000'000;
  for (int i = 0; i < 3; ++i) CHECK(limiter.take("ip-1", t) == 0);
  int64_t wait = limiter.take("ip-1", t);
  CHECK(wait == 20);  // one token every 20 s
  CHECK(limiter.take("ip-2", t) == 0);  // keys are independent
  CHECK(limiter.take("ip-1", t + 19'000) > 0);
  CHECK(limiter.take("ip-1", t + 20'000) == 0);  // recovered: one token back
  CHECK(limiter.take("ip-1", t + 20'000) > 0);
  // A long pause refills the bucket, never beyond its count.
  int64_t later = t + 3'600'000;
  for (int i = 0; i < 3; ++i) CHECK(limiter.take("ip-1", later) == 0);
  CHECK(limiter.take("ip-1", later) > 0);
}

TEST_CASE("no limit lets everything through; a flood of keys does not grow memory without bound") {
  RateLimiter off(Rate{0, 60'000});
  for (int i = 0; i < 1000; ++i) CHECK(off.take("k", 0) == 0);
  RateLimiter small(Rate{1, 1000}, 100);
  for (int i = 0; i < 1000; ++i) CHECK(small.take("key-" + std::to_string(i), 5000) == 0);
  // The keys of an earlier second are full again and forgotten; a key seen now is limited.
  CHECK(small.take("fresh", 10'000) == 0);
  CHECK(small.take("fresh", 10'000) > 0);
}
