#pragma once
// The request limits of DESIGN.md's configuration, as token buckets of this process. With several
// `serve` instances a request is decided where its tenant's partition is written (it is forwarded
// there first), so the per-account limit holds across all instances; the per-address limits hold
// per instance.
#include <optional>
#include <string>

#include "api/http.hpp"
#include "core/config.hpp"
#include "core/rate_limit.hpp"

namespace regent::api {

struct RateLimits {
  explicit RateLimits(const core::Config& config);
  core::RateLimiter signin_per_account;
  core::RateLimiter signin_per_ip;
  core::RateLimiter signup_per_ip;
  core::RateLimiter refresh_per_ip;
};

// A 429 `rate_limited` with Retry-After when `limiter` has no token left for `key`.
std::optional<Response> over_limit(core::RateLimiter& limiter, const std::string& key, std::string_view what,
                                   const std::string& request_id);

}  // namespace regent::api
