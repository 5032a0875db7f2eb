// core::JsonDocument reuses parsers: documents alive at once never share one, and a parser given
// back serves the next document without disturbing those still alive.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/json.hpp"

using namespace regent;

namespace {
std::string text_of(const core::JsonDocument& d) { return core::get_text(d.root(), "v"); }
}  // namespace

TEST_CASE("documents alive at once keep their own contents while parsers are given back and reused") {
  std::vector<std::unique_ptr<core::JsonDocument>> alive;
  for (int i = 0; i < 20; ++i) alive.push_back(core::JsonDocument::parse(R"({"v":"doc )" + std::to_string(i) + R"("})"));
  // Every second one goes back to the pool, and new documents take those parsers.
  for (int i = 0; i < 20; i += 2) alive[i].reset();
  for (int i = 0; i < 20; i += 2) alive[i] = core::JsonDocument::parse(R"({"v":"again )" + std::to_string(i) + R"("})");
  for (int i = 0; i < 20; ++i) {
    REQUIRE(alive[i]);
    CHECK(text_of(*alive[i]) == (i % 2 == 0 ? "again " : "doc ") + std::to_string(i));
  }
}

TEST_CASE("a reused parser reads a longer document and a broken one as if new, and documents may die on another thread") {
  auto small = core::JsonDocument::parse(R"({"v":"s"})");
  small.reset();
  std::string big_value(50000, 'x');  // larger than any kept parser was sized for
  auto big = core::JsonDocument::parse(R"({"v":")" + big_value + R"("})");
  REQUIRE(big);
  CHECK(text_of(*big) == big_value);
  big.reset();
  CHECK(core::JsonDocument::parse(R"({"v":"unfinished)") == nullptr);
  auto after = core::JsonDocument::parse(R"({"v":"fine"})");
  REQUIRE(after);
  CHECK(text_of(*after) == "fine");
  std::thread elsewhere([doc = std::move(after)]() mutable { doc.reset(); });  // given back to that thread
  elsewhere.join();
  auto again = core::JsonDocument::parse(R"({"v":"still fine"})");
  REQUIRE(again);
  CHECK(text_of(*again) == "still fine");
}

TEST_CASE("compact_json drops the whitespace between tokens and keeps strings byte for byte") {
  using regent::core::compact_json;
  CHECK(compact_json(R"({"id" : "a b", "n" : 1, "xs" : [1, 2, {"k" : null}]})") ==
        R"({"id":"a b","n":1,"xs":[1,2,{"k":null}]})");
  CHECK(compact_json("{\n\t\"s\" :\r\n \"tab\\t \\\" quote : , \"\n}") == "{\"s\":\"tab\\t \\\" quote : , \"}");
  CHECK(compact_json(R"("\\" )") == R"("\\")");  // an escaped backslash ends the string
  CHECK(compact_json("123456789012345678901234567890") == "123456789012345678901234567890");  // numbers as written
  CHECK(compact_json("") == "");
}
