#include "core/standard_webhooks.hpp"

#include <algorithm>

#include "core/crypto.hpp"

namespace regent::core {
namespace {
constexpr std::string_view kPrefix = "whsec_";
constexpr std::string_view kVersion = "v1,";
}  // namespace

std::string make_webhook_secret(size_t bytes) {
  std::string raw(bytes, '\0');
  random_bytes(reinterpret_cast<unsigned char*>(raw.data()), raw.size());
  return std::string(kPrefix) + base64_encode(raw);
}

std::optional<std::string> webhook_key(std::string_view secret) {
  if (!secret.starts_with(kPrefix)) return std::nullopt;
  auto key = base64_decode(secret.substr(kPrefix.size()));
  if (!key || key->size() < 24 || key->size() > 64) return std::nullopt;
  return key;
}

std::string webhook_signature(std::string_view key, std::string_view id, int64_t timestamp, std::string_view body) {
  std::string signed_content;
  signed_content.reserve(id.size() + body.size() + 24);
  signed_content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  return std::string(kVersion) + base64_encode(hmac_sha256(key, signed_content));
}

std::string webhook_signature_header(const std::vector<std::string>& keys, std::string_view id, int64_t timestamp,
                                     std::string_view body) {
  std::string out;
  for (const auto& key : keys) out += (out.empty() ? "" : " ") + webhook_signature(key, id, timestamp, body);
  return out;
}

bool webhook_signature_matches(std::string_view header, std::string_view key, std::string_view id, int64_t timestamp,
                               std::string_view body) {
  std::string expected = webhook_signature(key, id, timestamp, body);
  bool found = false;
  for (size_t start = 0; start < header.size();) {
    size_t space = std::min(header.find(' ', start), header.size());
    // Every entry is compared, so the time taken does not say which one matched.
    found |= constant_time_equal(header.substr(start, space - start), expected);
    start = space + 1;
  }
  return found;
}

}  // namespace regent::core
