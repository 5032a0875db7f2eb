#pragma once
// Standard Webhooks (https://www.standardwebhooks.com/) signing, the symmetric scheme: a secret is
// `whsec_` + base64 of its key bytes; a signature is `v1,` + base64 of HMAC-SHA256(key,
// "<webhook-id>.<webhook-timestamp>.<body>"); the `webhook-signature` header lists one signature
// per secret that signs, space-separated (during a rotation, the old secret's and the new one's),
// so that any Standard Webhooks library verifies what Regent sends.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace regent::core {

// A fresh secret: `whsec_` and the base64 of `bytes` random bytes (the specification allows 24 to 64).
std::string make_webhook_secret(size_t bytes = 32);
// A secret's key bytes; nullopt when it is not `whsec_` and base64 of 24 to 64 bytes.
std::optional<std::string> webhook_key(std::string_view secret);

// `v1,<base64>` for one key (the bytes webhook_key gave).
std::string webhook_signature(std::string_view key, std::string_view id, int64_t timestamp, std::string_view body);
// The header's value: a signature per key, space-separated, in the order given.
std::string webhook_signature_header(const std::vector<std::string>& keys, std::string_view id, int64_t timestamp,
                                     std::string_view body);

// What a receiver does, for tests and for the documentation's example: whether one of the header's
// `v1` signatures is `key`'s, compared in constant time.
bool webhook_signature_matches(std::string_view header, std::string_view key, std::string_view id, int64_t timestamp,
                               std::string_view body);

}  // namespace regent::core
