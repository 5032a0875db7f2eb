#include "api/api_keys.hpp"

#include "api/services.hpp"
#include "core/crypto.hpp"

namespace regent::api {
namespace {
constexpr size_t kSecretChars = 43;
constexpr size_t kKeyChars = 3 + kSecretChars + 1 + 36;

const std::string& pepper(const Services& svc) { return svc.config.api_key_pepper; }
}  // namespace

std::string derived_api_key_pepper(std::string_view jwt_secret) {
  return core::hmac_sha256(jwt_secret, "regent api key pepper v1");
}

bool looks_like_api_key(std::string_view bearer) { return bearer.substr(0, 3) == "rk_"; }

std::optional<core::TenantId> api_key_tenant(std::string_view key) {
  if (key.size() != kKeyChars || !looks_like_api_key(key) || key[3 + kSecretChars] != '.') return std::nullopt;
  std::string tenant(key.substr(3 + kSecretChars + 1));
  if (!core::is_uuid(tenant)) return std::nullopt;
  return core::TenantId{tenant};
}

std::string api_key_hash(const Services& svc, std::string_view key) {
  return core::base64url_encode(core::hmac_sha256(pepper(svc), "regent api key hash v1\n" + std::string(key)));
}

ApiKeyMaterial derive_api_key(const Services& svc, const core::TenantId& tenant, std::string_view key_id,
                              std::string_view nonce) {
  std::string secret = core::base64url_encode(
      core::hmac_sha256(pepper(svc), "regent api key v1\n" + std::string(key_id) + "\n" + std::string(nonce)));
  ApiKeyMaterial m;
  m.key = "rk_" + secret + "." + tenant.value;
  m.hash = api_key_hash(svc, m.key);
  m.prefix = m.key.substr(0, 11);
  return m;
}

}  // namespace regent::api
