#pragma once
// Token buckets, one per key (an IP, an account): `count` requests per `period`, refilled
// continuously, a full bucket holding `count`. In memory, per process; buckets that have filled
// up again are forgotten, so memory follows the keys seen within one period.
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.hpp"

namespace regent::core {

struct Rate {
  int64_t count = 0;  // 0: no limit
  int64_t period_ms = 60'000;
  bool off() const { return count == 0; }
};

// "10/min", "100/s", "20/h" (also "/m"), or "0" for no limit.
Result<Rate> parse_rate(std::string_view text);

class RateLimiter {
 public:
  explicit RateLimiter(Rate rate, size_t max_keys = 200'000) : rate_(rate), max_keys_(max_keys) {}
  // Takes a token for `key`: 0 when there was one, else the whole seconds until there is.
  int64_t take(const std::string& key, int64_t now_ms);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at = 0;  // when `tokens` was reckoned
  };
  double refilled(const Bucket& b, int64_t now_ms) const;
  std::mutex mu_;
  Rate rate_;
  size_t max_keys_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace regent::core
