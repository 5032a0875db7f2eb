#pragma once
// The expected failures of Regent, one list for every layer: the domain returns them as values and
// the HTTP edge maps each to a status and problem code in one table (api/problem.cpp).
#include <string>
#include <string_view>
#include <vector>

namespace regent::core {

enum class errc {
  invalid_json,
  unauthenticated,
  forbidden,
  not_found,
  method_not_allowed,
  insufficient_funds,
  invalid_transition,
  email_taken,
  slug_taken,
  limit_reached,
  conflict,
  version_mismatch,
  payload_too_large,
  unsupported_media_type,
  validation_failed,
  idempotency_key_reused,
  rate_limited,
  unavailable,
  projection_lagging,
  internal,
};

std::string_view to_string(errc e);

struct FieldError {
  std::string field;
  std::string message;
  bool operator==(const FieldError&) const = default;
};

// An expected failure: a code, a sentence safe to show the client, and the fields at fault.
struct Error {
  errc code;
  std::string detail;
  std::vector<FieldError> errors;
  int retry_after_s = 0;  // when the client should try again (Retry-After), if it should
  bool replayed = false;  // the answer to an earlier request with the same Idempotency-Key
};

inline Error make_error(errc code, std::string detail) { return Error{code, std::move(detail), {}}; }

}  // namespace regent::core
