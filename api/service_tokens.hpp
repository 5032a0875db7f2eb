#pragma once
// The credential of Regent's own scheduler when it sends a command through the API (it holds no
// user or key): `svc_<tenant id>.<expiry, unix seconds>.<43 characters>`, an HMAC-SHA256 under a key
// derived from the servers' shared REGENT_JWT_SECRET, good for one tenant and about a minute. It
// allows one thing only: recording the expiry of a permission that is due (api/handlers/permissions.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"

namespace regent::api {

inline constexpr int64_t kServiceTokenSeconds = 60;

std::string service_token(std::string_view secret, const core::TenantId& tenant, int64_t now_s);
bool looks_like_service_token(std::string_view bearer);
// The tenant the token is for when it is genuine and not expired; compared in constant time.
std::optional<core::TenantId> verify_service_token(std::string_view secret, std::string_view token, int64_t now_s);

}  // namespace regent::api
