#include "api/jwt.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cctype>

#include "core/crypto.hpp"
#include "core/json.hpp"

namespace regent::api {
namespace {
core::Error bad() { return core::make_error(core::errc::unauthenticated, "invalid or expired token"); }
core::Error bad_spec(const std::string& what) {
  return core::make_error(core::errc::validation_failed, "REGENT_JWT_KEYS: " + what);
}

const char* alg_name(JwtAlg a) { return a == JwtAlg::hs256 ? "HS256" : "EdDSA"; }

std::string to_hex(std::string_view raw) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

bool valid_kid(std::string_view kid) {
  if (kid.empty() || kid.size() > 64) return false;
  for (char c : kid)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}
}  // namespace

core::Result<JwtKeys> JwtKeys::parse(std::string_view spec, const std::string& secret) {
  JwtKeys ring;
  if (spec.empty()) {
    if (secret.size() < 32) return bad_spec("empty, and REGENT_JWT_SECRET is shorter than 32 characters");
    // Names the key without saying anything of it.
    ring.keys_.push_back({"hs-" + to_hex(core::hmac_sha256(secret, "regent jwt kid")).substr(0, 12), JwtAlg::hs256,
                          secret, std::nullopt});
    return ring;
  }
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string_view::npos) end = spec.size();
    std::string_view entry = spec.substr(start, end - start);
    start = end + 1;
    auto c1 = entry.find(':');
    auto c2 = c1 == std::string_view::npos ? c1 : entry.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return bad_spec("each key is kid:HS256:secret or kid:EdDSA:/path/to/key.pem");
    JwtKey key;
    key.kid = std::string(entry.substr(0, c1));
    std::string_view alg = entry.substr(c1 + 1, c2 - c1 - 1);
    std::string material(entry.substr(c2 + 1));
    if (!valid_kid(key.kid)) return bad_spec("a kid is 1 to 64 letters, digits, '-', '_' or '.'");
    if (ring.find(key.kid)) return bad_spec("kid " + key.kid + " is given twice");
    if (alg == "HS256") {
      if (material.size() < 32) return bad_spec("the HS256 secret of " + key.kid + " is shorter than 32 characters");
      key.secret = std::move(material);
    } else if (alg == "EdDSA") {
      auto pem = core::Ed25519Key::from_pem_file(material);
      if (!pem) return bad_spec("key " + key.kid + ": " + pem.error().detail);
      key.alg = JwtAlg::eddsa;
      key.ed25519 = std::move(pem.value());
    } else {
      return bad_spec("key " + key.kid + ": the algorithm is HS256 or EdDSA, not " + std::string(alg));
    }
    ring.keys_.push_back(std::move(key));
    if (end == spec.size()) break;
  }
  if (!ring.signer().can_sign())
    return bad_spec("the first key signs, and " + ring.signer().kid + " is an Ed25519 public key");
  return ring;
}

const JwtKey* JwtKeys::find(std::string_view kid) const {
  for (const auto& k : keys_)
    if (k.kid == kid) return &k;
  return nullptr;
}

std::string sign_jwt(const Claims& c, const JwtKeys& keys) {
  const JwtKey& key = keys.signer();
  boost::json::array roles;
  for (const auto& r : c.roles) roles.emplace_back(r);
  boost::json::object header{{"alg", alg_name(key.alg)}, {"kid", key.kid}, {"typ", "JWT"}};
  boost::json::object payload{{"iss", c.iss}, {"aud", c.aud}, {"sub", c.sub},  {"tid", c.tid}, {"roles", roles},
                              {"iat", c.iat}, {"nbf", c.nbf ? c.nbf : c.iat}, {"exp", c.exp}, {"jti", c.jti}};
  std::string signing_input =
      core::base64url_encode(core::to_json(header)) + "." + core::base64url_encode(core::to_json(payload));
  std::string sig = key.alg == JwtAlg::hs256 ? core::hmac_sha256(key.secret, signing_input) : key.ed25519->sign(signing_input);
  return signing_input + "." + core::base64url_encode(sig);
}

core::Result<Claims> verify_jwt(std::string_view token, const JwtKeys& keys, const std::string& issuer, int64_t now_s) {
  auto d1 = token.find('.');
  auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) return bad();
  auto header = core::base64url_decode(token.substr(0, d1));
  auto payload = core::base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  auto sig = core::base64url_decode(token.substr(d2 + 1));
  if (!header || !payload || !sig) return bad();
  auto hdoc = core::JsonDocument::parse(*header);
  if (!hdoc || !hdoc->root().is_object()) return bad();
  // The key the token names, and only with the algorithm that key is pinned to.
  const JwtKey* key = keys.find(core::get_string(hdoc->root(), "kid").value_or(""));
  if (!key || core::get_string(hdoc->root(), "alg") != std::optional<std::string_view>(alg_name(key->alg))) return bad();
  std::string_view signing_input = token.substr(0, d2);
  bool signed_ok = key->alg == JwtAlg::hs256
                       ? core::constant_time_equal(*sig, core::hmac_sha256(key->secret, signing_input))
                       : key->ed25519->verify(signing_input, *sig);
  if (!signed_ok) return bad();
  auto pdoc = core::JsonDocument::parse(*payload);
  if (!pdoc || !pdoc->root().is_object()) return bad();
  auto p = pdoc->root();
  Claims c;
  auto s = [&](std::string_view k) { return std::string(core::get_string(p, k).value_or("")); };
  c.iss = s("iss");
  c.aud = s("aud");
  c.sub = s("sub");
  c.tid = s("tid");
  c.jti = s("jti");
  c.iat = core::get_int(p, "iat").value_or(0);
  c.nbf = core::get_int(p, "nbf").value_or(0);
  c.exp = core::get_int(p, "exp").value_or(0);
  simdjson::dom::array roles;
  if (p["roles"].get(roles) == simdjson::SUCCESS)
    for (auto r : roles) {
      std::string_view v;
      if (r.get(v) == simdjson::SUCCESS) c.roles.emplace_back(v);
    }
  if (c.iss != issuer || c.aud != issuer || c.sub.empty() || c.tid.empty() || c.exp <= now_s || c.nbf > now_s)
    return bad();
  return c;
}

}  // namespace regent::api
