#pragma once
// API keys: `rk_<secret part>.<tenant id>`. The secret part is 43 base64url characters (32 bytes):
// HMAC-SHA256, under the server's API-key pepper, of the key's id and a 32-byte random nonce that
// api_key.created records, so the log holds neither the key nor anything that yields it without
// the pepper, and a retry with the same Idempotency-Key gets the very key the first answer had. The
// state and the log keep the key's keyed hash, under the same pepper, and find the key by it in
// O(1): the tenant id at the key's end says which partition's state to look in.
//
// `prefix` is the key's first 11 characters (`rk_` and 8 of the secret part): enough to tell keys
// apart in a list, far too little to guess the rest.
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"

namespace regent::api {

struct Services;

struct ApiKeyMaterial {
  std::string key;
  std::string hash;
  std::string prefix;
};

// The pepper when REGENT_API_KEY_PEPPER is unset: derived from REGENT_JWT_SECRET. The server sets
// it into its configuration at start; everything below reads svc.config.api_key_pepper.
std::string derived_api_key_pepper(std::string_view jwt_secret);

bool looks_like_api_key(std::string_view bearer);
std::optional<core::TenantId> api_key_tenant(std::string_view key);
std::string api_key_hash(const Services& svc, std::string_view key);
ApiKeyMaterial derive_api_key(const Services& svc, const core::TenantId& tenant, std::string_view key_id,
                              std::string_view nonce);

}  // namespace regent::api
