// The OpenAPI document and the route table describe the same API: every route is documented and
// every documented operation is served; each problem response names its codes, and every JSON body
// has an example (Redocly checks the examples against their schemas).
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "api/problem.hpp"
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

namespace {

std::string_view ref_name(simdjson::dom::element e) {
  std::string_view ref;
  if (e["$ref"].get(ref) != simdjson::SUCCESS) return {};
  return ref.substr(ref.rfind('/') + 1);
}

std::set<std::string> codes_with_status(int status) {
  std::set<std::string> out;
  for (int i = 0; i <= static_cast<int>(core::errc::internal); ++i) {
    auto code = static_cast<core::errc>(i);
    if (api::problem_kind(code).status == status) out.emplace(core::to_string(code));
  }
  return out;
}

}  // namespace

TEST_CASE("each problem response names the codes its status carries, as api/problem.cpp maps them") {
  auto doc = core::JsonDocument::parse(core::resource("generated/openapi.json"));
  REQUIRE(doc);
  auto components = doc->root()["components"]["responses"];
  std::set<std::string> all_codes;
  for (auto path : simdjson::dom::object(doc->root()["paths"]))
    for (auto op : simdjson::dom::object(path.value))
      for (auto r : simdjson::dom::object(op.value["responses"])) {
        if (r.key[0] != '4' && r.key[0] != '5') continue;
        if (!std::string_view(path.key).starts_with("/v1/")) continue;
        int status = std::stoi(std::string(r.key));
        CAPTURE(std::string(path.key) + " " + std::string(op.key) + " " + std::string(r.key));
        auto name = ref_name(r.value);
        REQUIRE(!name.empty());
        auto examples = simdjson::dom::object(components[name]["content"]["application/problem+json"]["examples"]);
        std::set<std::string> documented;
        for (auto ex : examples) {
          CHECK(int64_t(ex.value["value"]["status"]) == status);
          std::string code(std::string_view(ex.value["value"]["code"]));
          CHECK(std::string(ex.key) == code);
          CHECK(std::string_view(ex.value["value"]["type"]) == "/problems/" + code);
          CHECK(std::string_view(components[name]["description"]).find("`" + code + "`") != std::string_view::npos);
          documented.insert(code);
        }
        CHECK(documented == codes_with_status(status));
        all_codes.insert(documented.begin(), documented.end());
      }
  std::set<std::string> enumerated;
  for (auto c : simdjson::dom::array(doc->root()["components"]["schemas"]["Problem"]["properties"]["code"]["enum"]))
    enumerated.emplace(std::string_view(c));
  std::set<std::string> every;
  for (int i = 0; i <= static_cast<int>(core::errc::internal); ++i)
    every.emplace(core::to_string(static_cast<core::errc>(i)));
  CHECK(enumerated == every);
  // What no operation documents is what only the router or a crash answers.
  for (const auto& c : every)
    if (!all_codes.count(c)) CHECK_MESSAGE((c == "method_not_allowed" || c == "internal"), c);
}

TEST_CASE("every JSON request and success answer has an example") {
  auto doc = core::JsonDocument::parse(core::resource("generated/openapi.json"));
  REQUIRE(doc);
  auto schemas = doc->root()["components"]["schemas"];
  auto has_example = [&](simdjson::dom::element media) {
    if (media["example"].error() == simdjson::SUCCESS || media["examples"].error() == simdjson::SUCCESS) return true;
    auto name = ref_name(media["schema"]);
    return !name.empty() && schemas[name]["examples"].error() == simdjson::SUCCESS;
  };
  size_t checked = 0;
  for (auto path : simdjson::dom::object(doc->root()["paths"]))
    for (auto op : simdjson::dom::object(path.value)) {
      CAPTURE(std::string(path.key) + " " + std::string(op.key));
      simdjson::dom::element media;
      if (op.value["requestBody"]["content"]["application/json"].get(media) == simdjson::SUCCESS) {
        CHECK(has_example(media));
        ++checked;
      }
      for (auto r : simdjson::dom::object(op.value["responses"]))
        if (r.key[0] == '2' && r.value["content"]["application/json"].get(media) == simdjson::SUCCESS) {
          CAPTURE(std::string(r.key));
          CHECK(has_example(media));
          ++checked;
        }
    }
  CHECK(checked > 40);
}
