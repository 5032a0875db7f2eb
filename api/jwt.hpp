#pragma once
// Access tokens: JWTs signed with HS256 (pinned: a token naming any other algorithm, `none`
// included, is refused), verifiable by any standard library given the key.
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace regent::api {

struct Claims {
  std::string iss;
  std::string aud;
  std::string sub;  // user id
  std::string tid;  // tenant id
  std::vector<std::string> roles;
  int64_t iat = 0;
  int64_t exp = 0;
  std::string jti;
};

std::string sign_jwt(const Claims& claims, const std::string& key);

// Checks form, algorithm, signature (in constant time), issuer, audience and expiry at `now_s`.
core::Result<Claims> verify_jwt(std::string_view token, const std::string& key,
                                const std::string& issuer, int64_t now_s);

}  // namespace regent::api
