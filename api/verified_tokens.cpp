#include "api/verified_tokens.hpp"

#include <functional>

#include "core/crypto.hpp"

namespace regent::api {
namespace {
core::Error expired() { return core::make_error(core::errc::unauthenticated, "invalid or expired token"); }
}  // namespace

VerifiedTokens::VerifiedTokens(size_t slots) : count_(slots == 0 ? 1 : slots), slots_(new Slot[count_]) {}

core::Result<std::shared_ptr<const Claims>> VerifiedTokens::verify(std::string_view token, const JwtKeys& keys,
                                                                   const std::string& issuer, int64_t now_s) {
  Slot& slot = slots_[std::hash<std::string_view>{}(token) % count_];
  std::shared_ptr<const Claims> known;
  {
    std::lock_guard lock(slot.mu);
    // Lengths are not secret; the bytes are compared in constant time.
    if (slot.claims && slot.token.size() == token.size() && core::constant_time_equal(slot.token, token))
      known = slot.claims;
  }
  if (known) {
    if (known->exp <= now_s || known->iss != issuer) return expired();
    return known;
  }
  auto claims = verify_jwt(token, keys, issuer, now_s);
  if (!claims) return claims.error();
  auto shared = std::make_shared<const Claims>(std::move(claims.value()));
  {
    std::lock_guard lock(slot.mu);
    slot.token.assign(token);
    slot.claims = shared;
  }
  return shared;
}

core::Result<std::shared_ptr<const Claims>> verified_claims(VerifiedTokens* cache, std::string_view token,
                                                            const JwtKeys& keys, const std::string& issuer,
                                                            int64_t now_s) {
  if (cache) return cache->verify(token, keys, issuer, now_s);
  auto claims = verify_jwt(token, keys, issuer, now_s);
  if (!claims) return claims.error();
  return std::make_shared<const Claims>(std::move(claims.value()));
}

}  // namespace regent::api
