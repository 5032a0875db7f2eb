#include <doctest/doctest.h>

#include "api/problem.hpp"
#include "core/json.hpp"

using namespace regent;
using core::errc;

TEST_CASE("each error code maps to the status API.md gives it") {
  const std::vector<std::pair<errc, int>> table = {
      {errc::invalid_json, 400},       {errc::unauthenticated, 401},     {errc::forbidden, 403},
      {errc::not_found, 404},          {errc::method_not_allowed, 405},  {errc::insufficient_funds, 409},
      {errc::invalid_transition, 409}, {errc::email_taken, 409},         {errc::slug_taken, 409},
      {errc::limit_reached, 409},      {errc::conflict, 409},            {errc::version_mismatch, 412},
      {errc::payload_too_large, 413},  {errc::unsupported_media_type, 415},
      {errc::validation_failed, 422},  {errc::idempotency_key_reused, 422}, {errc::rate_limited, 429},
      {errc::unavailable, 503},        {errc::projection_lagging, 503},  {errc::internal, 500}};
  for (auto [code, status] : table) {
    CAPTURE(core::to_string(code));
    CHECK(api::problem_kind(code).status == status);
  }
}

TEST_CASE("a problem is RFC 9457 JSON with code, request id and field errors") {
  core::Error e{errc::validation_failed, "bad", {{"amount", "must be > 0"}}};
  auto r = api::problem(e, "req-9");
  CHECK(r.status == 422);
  CHECK(r.content_type == "application/problem+json");
  auto doc = core::JsonDocument::parse(r.body);
  REQUIRE(doc);
  auto root = doc->root();
  CHECK(core::get_string(root, "type") == std::optional<std::string_view>("/problems/validation_failed"));
  CHECK(core::get_string(root, "code") == std::optional<std::string_view>("validation_failed"));
  CHECK(core::get_string(root, "request_id") == std::optional<std::string_view>("req-9"));
  CHECK(core::get_int(root, "status") == std::optional<int64_t>(422));
  CHECK(core::get_string(root["errors"].at(0).value(), "field") == std::optional<std::string_view>("amount"));
}

TEST_CASE("503 and 429 problems say when to retry") {
  auto r = api::problem(errc::unavailable, "down", "r");
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers[0].first == "Retry-After");
}
