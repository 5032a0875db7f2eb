#include "api/rate_limits.hpp"

#include "api/problem.hpp"
#include "core/clock.hpp"

namespace regent::api {
namespace {
core::Rate rate(const std::string& text) { return core::parse_rate(text).value(); }  // checked when configured
}  // namespace

RateLimits::RateLimits(const core::Config& c)
    : signin_per_account(rate(c.signin_limit_per_account)),
      signin_per_ip(rate(c.signin_limit_per_ip)),
      signup_per_ip(rate(c.signup_limit_per_ip)),
      refresh_per_ip(rate(c.refresh_limit_per_ip)) {}

std::optional<Response> over_limit(core::RateLimiter& limiter, const std::string& key, std::string_view what,
                                   const std::string& request_id) {
  int64_t wait = limiter.take(key, core::now_millis());
  if (wait == 0) return std::nullopt;
  core::Error e = core::make_error(core::errc::rate_limited, "too many " + std::string(what) + "; retry later");
  e.retry_after_s = wait;
  return problem(e, request_id);
}

}  // namespace regent::api
