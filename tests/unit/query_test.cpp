#include <doctest/doctest.h>

#include "api/http.hpp"

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
