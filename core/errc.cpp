#include "core/errc.hpp"

namespace regent::core {

std::string_view to_string(errc e) {
  switch (e) {
    case errc::invalid_json: return "invalid_json";
    case errc::unauthenticated: return "unauthenticated";
    case errc::forbidden: return "forbidden";
    case errc::not_found: return "not_found";
    case errc::method_not_allowed: return "method_not_allowed";
    case errc::insufficient_funds: return "insufficient_funds";
    case errc::invalid_transition: return "invalid_transition";
    case errc::email_taken: return "email_taken";
    case errc::slug_taken: return "slug_taken";
    case errc::limit_reached: return "limit_reached";
    case errc::conflict: return "conflict";
    case errc::version_mismatch: return "version_mismatch";
    case errc::payload_too_large: return "payload_too_large";
    case errc::unsupported_media_type: return "unsupported_media_type";
    case errc::validation_failed: return "validation_failed";
    case errc::idempotency_key_reused: return "idempotency_key_reused";
    case errc::rate_limited: return "rate_limited";
    case errc::unavailable: return "unavailable";
    case errc::projection_lagging: return "projection_lagging";
    case errc::internal: return "internal";
  }
  return "internal";
}

}  // namespace regent::core
