#include "core/json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <limits>
#include <vector>

namespace regent::core {
namespace {
// Boost.JSON reads numbers beyond 64-bit integers as doubles and beyond doubles as infinities;
// infinities have no JSON spelling, so they become the largest finite double of their sign.
void make_finite(boost::json::value& v) {
  if (v.is_double() && !std::isfinite(v.get_double())) {
    v = std::copysign(std::numeric_limits<double>::max(), v.get_double());
  } else if (v.is_object()) {
    for (auto& field : v.get_object()) make_finite(field.value());
  } else if (v.is_array()) {
    for (auto& item : v.get_array()) make_finite(item);
  }
}

// The thread's spare parsers.
struct ParserPool {
  std::vector<std::unique_ptr<JsonDocument::Parser>> spare;
  ~ParserPool();
};
// Trivially destructible, so still readable once the pool is gone: documents that outlive it
// (statics, at the thread's exit) are then simply freed.
thread_local bool pool_gone = false;
// A parser takes about 15 bytes per byte of input it was sized for: only those sized for a usual
// request or event are kept.
constexpr size_t kSpareParsers = 4;
constexpr size_t kLargestKept = 16 * 1024;
}  // namespace

struct JsonDocument::Parser {
  simdjson::dom::parser parser;
  std::string padded;  // the input, copied with room for simdjson's reads past its end
};

namespace {
ParserPool::~ParserPool() { pool_gone = true; }

ParserPool* this_threads_pool() {
  if (pool_gone) return nullptr;
  thread_local ParserPool pool;
  return &pool;
}

std::unique_ptr<JsonDocument::Parser, JsonDocument::GiveBack> take_parser() {
  auto* pool = this_threads_pool();
  if (pool && !pool->spare.empty()) {
    auto p = std::move(pool->spare.back());
    pool->spare.pop_back();
    return std::unique_ptr<JsonDocument::Parser, JsonDocument::GiveBack>(p.release());
  }
  return std::unique_ptr<JsonDocument::Parser, JsonDocument::GiveBack>(new JsonDocument::Parser());
}
}  // namespace

void JsonDocument::GiveBack::operator()(Parser* p) const {
  auto* pool = this_threads_pool();
  if (pool && pool->spare.size() < kSpareParsers && p->parser.capacity() <= kLargestKept &&
      p->padded.capacity() <= kLargestKept + simdjson::SIMDJSON_PADDING) {
    pool->spare.emplace_back(p);
    return;
  }
  delete p;
}

std::unique_ptr<JsonDocument> JsonDocument::parse(std::string_view text) {
  auto doc = std::make_unique<JsonDocument>();
  doc->parser_ = take_parser();
  auto& padded = doc->parser_->padded;
  padded.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(text.data(), text.size());
  auto error = doc->parser_->parser.parse(padded.data(), padded.size(), false).get(doc->root_);
  if (error == simdjson::SUCCESS) return doc;
  if (error != simdjson::NUMBER_ERROR) return nullptr;
  // simdjson refuses integers beyond 64 bits, yet such a document is valid JSON: a huge amount
  // must be answered "too large" (422), not "not JSON" (400). Read it again as doubles.
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec) return nullptr;
  make_finite(value);
  doc->text_ = boost::json::serialize(value);
  if (doc->parser_->parser.parse(doc->text_).get(doc->root_) != simdjson::SUCCESS) return nullptr;
  return doc;
}

std::string to_json(const boost::json::value& v) { return boost::json::serialize(v); }

boost::json::value to_boost(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::OBJECT: {
      boost::json::object o;
      for (auto field : simdjson::dom::object(e)) o[field.key] = to_boost(field.value);
      return o;
    }
    case element_type::ARRAY: {
      boost::json::array a;
      for (auto item : simdjson::dom::array(e)) a.push_back(to_boost(item));
      return a;
    }
    case element_type::STRING: return boost::json::string(std::string_view(e));
    case element_type::INT64: return int64_t(e);
    case element_type::UINT64: return uint64_t(e);
    case element_type::DOUBLE: return double(e);
    case element_type::BOOL: return bool(e);
    case element_type::NULL_VALUE: return nullptr;
  }
  return nullptr;
}

std::optional<std::string_view> get_string(simdjson::dom::element obj, std::string_view key) {
  std::string_view s;
  if (obj[key].get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

std::string get_text(simdjson::dom::element obj, std::string_view key) {
  return std::string(get_string(obj, key).value_or(""));
}

std::optional<int64_t> get_int(simdjson::dom::element obj, std::string_view key) {
  int64_t v;
  if (obj[key].get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

std::string compact_json(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < json.size()) out += json[++i];
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
      out += c;
    }
  }
  return out;
}

}  // namespace regent::core
