#pragma once
// Thin wrappers over OpenSSL: randomness, hashes, MACs, base64url and constant-time comparison.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace regent::core {

void random_bytes(unsigned char* out, size_t n);
std::string random_token(size_t bytes);  // base64url of `bytes` random bytes

std::string base64url_encode(std::string_view raw);
std::optional<std::string> base64url_decode(std::string_view text);
// RFC 4648 base64 (+ and /, padded with =), as Standard Webhooks secrets and signatures are.
std::string base64_encode(std::string_view raw);
std::optional<std::string> base64_decode(std::string_view text);

std::string hmac_sha256(std::string_view key, std::string_view message);  // raw 32 bytes

// Compares secrets without leaking where they first differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace regent::core
