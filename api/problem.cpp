#include "api/problem.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/json.hpp"

namespace regent::api {

ProblemKind problem_kind(core::errc code) {
  using core::errc;
  switch (code) {
    case errc::invalid_json: return {400, "Invalid JSON"};
    case errc::unauthenticated: return {401, "Unauthenticated"};
    case errc::forbidden: return {403, "Forbidden"};
    case errc::not_found: return {404, "Not found"};
    case errc::method_not_allowed: return {405, "Method not allowed"};
    case errc::insufficient_funds: return {409, "Insufficient funds"};
    case errc::invalid_transition: return {409, "Invalid transition"};
    case errc::email_taken: return {409, "Email taken"};
    case errc::slug_taken: return {409, "Slug taken"};
    case errc::limit_reached: return {409, "Limit reached"};
    case errc::conflict: return {409, "Conflict"};
    case errc::version_mismatch: return {412, "Version mismatch"};
    case errc::payload_too_large: return {413, "Payload too large"};
    case errc::unsupported_media_type: return {415, "Unsupported media type"};
    case errc::validation_failed: return {422, "Validation failed"};
    case errc::idempotency_key_reused: return {422, "Idempotency key reused"};
    case errc::rate_limited: return {429, "Rate limited"};
    case errc::unavailable: return {503, "Service unavailable"};
    case errc::projection_lagging: return {503, "Projection lagging"};
    case errc::internal: return {500, "Internal server error"};
  }
  return {500, "Internal server error"};
}

Response problem(const core::Error& error, const std::string& request_id) {
  auto kind = problem_kind(error.code);
  std::string code(core::to_string(error.code));
  boost::json::object body{{"type", "/problems/" + code},
                           {"title", kind.title},
                           {"status", kind.status},
                           {"detail", error.detail},
                           {"code", code},
                           {"request_id", request_id}};
  if (!error.errors.empty()) {
    boost::json::array errs;
    for (const auto& f : error.errors) errs.push_back(boost::json::object{{"field", f.field}, {"message", f.message}});
    body["errors"] = std::move(errs);
  }
  Response r;
  r.status = kind.status;
  r.content_type = "application/problem+json";
  r.body = core::to_json(body);
  if (error.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  if (error.retry_after_s > 0) r.headers.emplace_back("Retry-After", std::to_string(error.retry_after_s));
  else if (kind.status == 503 || kind.status == 429) r.headers.emplace_back("Retry-After", "1");
  return r;
}

Response problem(core::errc code, std::string detail, const std::string& request_id) {
  return problem(core::Error{code, std::move(detail), {}}, request_id);
}

}  // namespace regent::api
