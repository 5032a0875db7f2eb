// The OpenAPI document and the route table describe the same API: every route is documented and
// every documented operation is served.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "api/router.hpp"
#include "core/json.hpp"
#include "core/resources.hpp"

using namespace regent;

TEST_CASE("every route has its operation in openapi.json, and every operation a route") {
  auto doc = core::JsonDocument::parse(core::resource("generated/openapi.json"));
  REQUIRE(doc);
  std::set<std::string> documented;
  for (auto path : simdjson::dom::object(doc->root()["paths"]))
    for (auto op : simdjson::dom::object(path.value)) {
      std::string method(op.key);
      std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::toupper(c); });
      documented.insert(method + " " + std::string(path.key));
    }
  std::set<std::string> routed;
  for (const auto& r : api::all_routes()) routed.insert(r.method + " " + r.pattern);
  CHECK(routed == documented);
  CHECK(routed.count("POST /v1/users/{id}/wallet/debits") == 1);
}

TEST_CASE("every operation that may fail documents its problems") {
  auto doc = core::JsonDocument::parse(core::resource("generated/openapi.json"));
  REQUIRE(doc);
  for (auto path : simdjson::dom::object(doc->root()["paths"])) {
    if (!std::string_view(path.key).starts_with("/v1/")) continue;
    for (auto op : simdjson::dom::object(path.value)) {
      CAPTURE(std::string(path.key) + " " + std::string(op.key));
      auto responses = simdjson::dom::object(op.value["responses"]);
      size_t problems = 0;
      for (auto r : responses)
        if (r.key[0] == '4' || r.key[0] == '5') ++problems;
      CHECK(problems > 0);
      // Sign-up, sign-in and logout take no bearer token (logout answers 204 for any refresh token).
      std::string_view p = path.key;
      if (p != "/v1/tenants" && p != "/v1/auth/login" && p != "/v1/auth/logout")
        CHECK(responses["401"].error() == simdjson::SUCCESS);
    }
  }
}
