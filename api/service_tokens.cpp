#include "api/service_tokens.hpp"

#include <charconv>

#include "core/crypto.hpp"

namespace regent::api {
namespace {
constexpr std::string_view kPrefix = "svc_";

std::string signature(std::string_view secret, std::string_view tenant, std::string_view expiry) {
  std::string key = core::hmac_sha256(secret, "regent service token v1");
  return core::base64url_encode(core::hmac_sha256(key, "scheduler\n" + std::string(tenant) + "\n" + std::string(expiry)));
}
}  // namespace

std::string service_token(std::string_view secret, const core::TenantId& tenant, int64_t now_s) {
  std::string expiry = std::to_string(now_s + kServiceTokenSeconds);
  return std::string(kPrefix) + tenant.value + "." + expiry + "." + signature(secret, tenant.value, expiry);
}

bool looks_like_service_token(std::string_view bearer) { return bearer.starts_with(kPrefix); }

std::optional<core::TenantId> verify_service_token(std::string_view secret, std::string_view token, int64_t now_s) {
  if (!looks_like_service_token(token) || token.size() > 200) return std::nullopt;
  token.remove_prefix(kPrefix.size());
  auto first = token.find('.');
  auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string_view tenant = token.substr(0, first), expiry = token.substr(first + 1, second - first - 1),
                   mac = token.substr(second + 1);
  if (!core::is_uuid(tenant)) return std::nullopt;
  int64_t until = 0;
  auto [end, ec] = std::from_chars(expiry.data(), expiry.data() + expiry.size(), until);
  if (ec != std::errc{} || end != expiry.data() + expiry.size()) return std::nullopt;
  // Expired, or made to last longer than any token this code makes: refused either way.
  if (until <= now_s || until > now_s + 2 * kServiceTokenSeconds) return std::nullopt;
  if (!core::constant_time_equal(mac, signature(secret, tenant, expiry))) return std::nullopt;
  return core::TenantId{std::string(tenant)};
}

}  // namespace regent::api
