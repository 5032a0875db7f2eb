#pragma once
// Access tokens: JWTs signed by a ring of keys, each named by its `kid` and pinned to its
// algorithm (HS256, or EdDSA with Ed25519). The first key of the ring signs; every key verifies,
// so a new key can take over signing while tokens signed by the one before it still work (rotation
// without signing everyone out). A token naming another algorithm than its key's (`none`
// included), an unknown `kid` or none, a bad signature, another issuer or audience, an `nbf` in
// the future or an `exp` in the past is refused. Any standard JWT library verifies them given the
// key (a test checks with one Regent did not write).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ed25519.hpp"
#include "core/result.hpp"

namespace regent::api {

struct Claims {
  std::string iss;
  std::string aud;
  std::string sub;  // user id
  std::string tid;  // tenant id
  std::vector<std::string> roles;
  int64_t iat = 0;
  int64_t nbf = 0;  // 0: not given (iat is used)
  int64_t exp = 0;
  std::string jti;
};

enum class JwtAlg { hs256, eddsa };

struct JwtKey {
  std::string kid;
  JwtAlg alg = JwtAlg::hs256;
  std::string secret;                    // HS256
  std::optional<core::Ed25519Key> ed25519;  // EdDSA
  bool can_sign() const { return alg == JwtAlg::hs256 || (ed25519 && ed25519->can_sign()); }
};

class JwtKeys {
 public:
  // `spec` is REGENT_JWT_KEYS: `kid:HS256:secret` or `kid:EdDSA:/path/to/key.pem`, comma-separated,
  // the first signing (an EdDSA key that signs needs its private PEM; a public one only verifies).
  // Empty: one HS256 key, `secret`, its kid derived from it.
  static core::Result<JwtKeys> parse(std::string_view spec, const std::string& secret);
  const JwtKey& signer() const { return keys_.front(); }
  const JwtKey* find(std::string_view kid) const;
  const std::vector<JwtKey>& all() const { return keys_; }

 private:
  std::vector<JwtKey> keys_;
};

std::string sign_jwt(const Claims& claims, const JwtKeys& keys);

// Checks form, key, algorithm, signature (HMACs in constant time), issuer, audience, nbf and expiry
// at `now_s`.
core::Result<Claims> verify_jwt(std::string_view token, const JwtKeys& keys, const std::string& issuer, int64_t now_s);

}  // namespace regent::api
