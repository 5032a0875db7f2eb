#include <doctest/doctest.h>
#include <libpq-fe.h>

#include <optional>
#include <string>
#include <vector>

#include "api/row_json.hpp"
#include "core/json.hpp"

using namespace regent;
using api::Column;

namespace {
// One row of text columns, made in memory the way libpq hands results over.
core::PgRows one_row(const std::vector<std::optional<std::string>>& values) {
  PGresult* r = PQmakeEmptyPGresult(nullptr, PGRES_TUPLES_OK);
  std::vector<PGresAttDesc> attrs(values.size());
  std::vector<std::string> names;
  for (size_t i = 0; i < values.size(); ++i) names.push_back("c" + std::to_string(i));
  for (size_t i = 0; i < values.size(); ++i) attrs[i] = PGresAttDesc{names[i].data(), 0, 0, 0, 25, -1, -1};
  REQUIRE(PQsetResultAttrs(r, static_cast<int>(attrs.size()), attrs.data()) == 1);
  for (size_t i = 0; i < values.size(); ++i) {
    const auto& v = values[i];
    REQUIRE(PQsetvalue(r, 0, static_cast<int>(i), v ? const_cast<char*>(v->data()) : nullptr,
                       v ? static_cast<int>(v->size()) : -1) == 1);
  }
  return core::PgRows(r);
}
}  // namespace

TEST_CASE("a row's columns become one compact JSON object that a JSON parser reads back") {
  const std::string awkward = "Zo\xc3\xab \"the\" \\ back\nslash\t\x01 \xf0\x9f\x9a\x80 </script>";
  auto rows = one_row({"01a2-id", awkward, "42", "-1.50", std::nullopt, R"({"a" : [1, 2], "b" : "x y"})",
                       "2026-12-01 15:22:24.7+00"});
  constexpr api::Field fields[] = {{"id", Column::text},     {"name", Column::text},   {"count", Column::number},
                                   {"amount", Column::number}, {"parent", Column::text}, {"settings", Column::json},
                                   {"at", Column::time}};
  std::string json = api::row_json(rows, 0, 0, fields);
  CHECK(json.find(": ") == std::string::npos);
  CHECK(json.find(", ") == std::string::npos);
  auto doc = core::JsonDocument::parse(json);
  REQUIRE(doc);
  auto root = doc->root();
  CHECK(core::get_string(root, "id") == std::optional<std::string_view>("01a2-id"));
  CHECK(core::get_string(root, "name") == std::optional<std::string_view>(awkward));  // byte for byte
  CHECK(core::get_int(root, "count") == 42);
  CHECK(root["parent"].is_null());
  CHECK(json.find(R"("settings":{"a":[1,2],"b":"x y"})") != std::string::npos);
  CHECK(json.find(R"("amount":-1.50)") != std::string::npos);
  CHECK(core::get_string(root, "at") == std::optional<std::string_view>("2026-12-01T15:22:24.700Z"));
  // Starting at a later column: the second object of a row of two.
  constexpr api::Field tail[] = {{"settings", Column::json}, {"at", Column::time}};
  CHECK(api::row_json(rows, 0, 5, tail) == R"({"settings":{"a":[1,2],"b":"x y"},"at":"2026-12-01T15:22:24.700Z"})");
}

TEST_CASE("Postgres's UTC times are written as RFC 3339 with exactly three fraction digits") {
  auto time = [](std::string_view pg) {
    std::string out;
    api::append_rfc3339(out, pg);
    return out;
  };
  CHECK(time("2026-12-01 15:22:24+00") == "\"2026-12-01T15:22:24.000Z\"");
  CHECK(time("2026-12-01 15:22:24.5+00") == "\"2026-12-01T15:22:24.500Z\"");
  CHECK(time("2026-12-01 15:22:24.123456+00") == "\"2026-12-01T15:22:24.123Z\"");
  CHECK(time("1999-01-02 03:04:05.06+00") == "\"1999-01-02T03:04:05.060Z\"");
}
