#pragma once
// JSON in Regent: simdjson parses (requests, events), Boost.JSON builds what we write.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>

namespace regent::core {

// A parsed document that owns its parser, so its elements stay valid as long as it lives.
class JsonDocument {
 public:
  // nullptr if not JSON. Numbers too large for 64-bit integers arrive as doubles.
  static std::unique_ptr<JsonDocument> parse(std::string_view text);
  simdjson::dom::element root() const { return root_; }

  // A parser with its buffers, reused: each thread keeps a few that documents gave back, so a
  // request's small documents cost no allocation of parser buffers.
  struct Parser;
  struct GiveBack {
    void operator()(Parser* p) const;
  };

 private:
  std::string text_;  // the re-encoded text, when the original needed it
  std::unique_ptr<Parser, GiveBack> parser_;
  simdjson::dom::element root_;
};

std::string to_json(const boost::json::value& v);

// Valid JSON text without the whitespace between its tokens (Postgres writes `{"a" : 1}`): every
// answer then has the one compact style, whichever side built it. Strings are kept byte for byte.
std::string compact_json(std::string_view json);

// Converts a simdjson element into a Boost.JSON value (to carry parsed data into what we write).
boost::json::value to_boost(simdjson::dom::element e);

// Field access that never throws: nullopt when absent or of another type.
std::optional<std::string_view> get_string(simdjson::dom::element obj, std::string_view key);
std::string get_text(simdjson::dom::element obj, std::string_view key);  // "" when absent
std::optional<int64_t> get_int(simdjson::dom::element obj, std::string_view key);

}  // namespace regent::core
