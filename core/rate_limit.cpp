#include "core/rate_limit.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace regent::core {

Result<Rate> parse_rate(std::string_view text) {
  if (text == "0") return Rate{0, 60'000};
  auto slash = text.find('/');
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + (slash == std::string_view::npos ? text.size() : slash), n);
  if (slash == std::string_view::npos || ec != std::errc{} || p != text.data() + slash || n <= 0)
    return make_error(errc::validation_failed, "expected N/s, N/min or N/h (or 0 for no limit)");
  std::string_view unit = text.substr(slash + 1);
  int64_t period = unit == "s" ? 1000 : unit == "min" || unit == "m" ? 60'000 : unit == "h" ? 3'600'000 : 0;
  if (!period) return make_error(errc::validation_failed, "expected N/s, N/min or N/h (or 0 for no limit)");
  return Rate{n, period};
}

double RateLimiter::refilled(const Bucket& b, int64_t now_ms) const {
  double per_ms = double(rate_.count) / double(rate_.period_ms);
  return std::min(double(rate_.count), b.tokens + double(std::max<int64_t>(0, now_ms - b.at)) * per_ms);
}

int64_t RateLimiter::take(const std::string& key, int64_t now_ms) {
  if (rate_.off()) return 0;
  std::lock_guard lock(mu_);
  if (buckets_.size() >= max_keys_) {
    // Buckets that are full again hold nothing worth keeping.
    std::erase_if(buckets_, [&](const auto& kv) { return refilled(kv.second, now_ms) >= double(rate_.count); });
    // Still too many keys within one period (a flood of them): fail open rather than grow without bound.
    if (buckets_.size() >= max_keys_) buckets_.clear();
  }
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{double(rate_.count), now_ms});
  Bucket& b = it->second;
  b.tokens = refilled(b, now_ms);
  b.at = now_ms;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  double per_ms = double(rate_.count) / double(rate_.period_ms);
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1.0 - b.tokens) / per_ms / 1000.0)));
}

}  // namespace regent::core
