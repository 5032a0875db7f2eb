#include <doctest/doctest.h>

#include "api/http.hpp"
#include "api/query_params.hpp"

using regent::api::parse_query;

TEST_CASE("query strings decode percent escapes and plus signs") {
  std::map<std::string, std::string> q;
  REQUIRE(parse_query("q=ada%40acme.test&role=analyst&name=Ada+Lovelace&flag&empty=", q));
  CHECK(q["q"] == "ada@acme.test");
  CHECK(q["role"] == "analyst");
  CHECK(q["name"] == "Ada Lovelace");
  CHECK(q.count("flag") == 1);
  CHECK(q["empty"].empty());
  CHECK(q.size() == 5);
}

TEST_CASE("broken percent-encoding is refused") {
  for (const char* bad : {"q=%zz", "q=%4", "q=%", "%g1=x"}) {
    CAPTURE(bad);
    std::map<std::string, std::string> q;
    CHECK_FALSE(parse_query(bad, q));
  }
}

TEST_CASE("an empty query is no parameters") {
  std::map<std::string, std::string> q;
  CHECK(parse_query("", q));
  CHECK(parse_query("&&", q));
  CHECK(q.empty());
}

TEST_CASE("cursors are opaque and belong to one kind of list") {
  std::string c = regent::api::encode_cursor('t', "42");
  CHECK(regent::api::decode_cursor('t', c) == std::optional<std::string>("42"));
  CHECK_FALSE(regent::api::decode_cursor('a', c).has_value());
  CHECK_FALSE(regent::api::decode_cursor('t', "not base64url!").has_value());
  CHECK(regent::api::page_json({"{}"}, 't', "") == R"({"items":[{}],"next_cursor":null})");
}

TEST_CASE("query parameters: each checked, unknown ones named, ?tenant= always allowed") {
  regent::api::Request req;
  req.query = {{"limit", "501"}, {"from", "2026-11-24"}, {"to", "tomorrow"}, {"tenant", "acme"}, {"colour", "red"}};
  regent::api::QueryParams q(req);
  CHECK(q.limit() == 50);
  CHECK(q.time("from") == regent::core::parse_rfc3339("2026-11-24T00:00:00Z"));
  CHECK_FALSE(q.time("to").has_value());
  auto done = q.finish();
  REQUIRE_FALSE(done.ok());
  std::vector<std::string> fields;
  for (const auto& e : done.error().errors) fields.push_back(e.field);
  CHECK(fields == std::vector<std::string>{"limit", "to", "colour"});
}
