#pragma once
// Access tokens already verified. A client sends the same token on every request for its lifetime
// (15 minutes by default); checking its signature and parsing its claims each time was the largest
// cost of a read (a sixth of the server's CPU under a read load). The cache keeps the claims of
// tokens whose signature held, keyed by a hash of the whole token; a hit compares the whole token in
// constant time and checks the expiry again, so it answers exactly what verify_jwt would. Failures
// are never kept: a bad token costs its verification every time. Direct-mapped: a token takes the
// slot of whichever token hashed there before, so memory stays fixed whatever the number of clients.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "api/jwt.hpp"

namespace regent::api {

class VerifiedTokens {
 public:
  explicit VerifiedTokens(size_t slots = 8192);
  core::Result<std::shared_ptr<const Claims>> verify(std::string_view token, const JwtKeys& keys,
                                                     const std::string& issuer, int64_t now_s);

 private:
  struct Slot {
    std::mutex mu;
    std::string token;
    std::shared_ptr<const Claims> claims;
  };
  size_t count_;
  std::unique_ptr<Slot[]> slots_;
};

// Through the cache when there is one.
core::Result<std::shared_ptr<const Claims>> verified_claims(VerifiedTokens* cache, std::string_view token,
                                                            const JwtKeys& keys, const std::string& issuer,
                                                            int64_t now_s);

}  // namespace regent::api
