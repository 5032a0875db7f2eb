#include "core/json.hpp"

#include <boost/json/serialize.hpp>

namespace regent::core {

std::unique_ptr<JsonDocument> JsonDocument::parse(std::string_view text) {
  auto doc = std::make_unique<JsonDocument>();
  if (doc->parser_.parse(text.data(), text.size()).get(doc->root_) != simdjson::SUCCESS) return nullptr;
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

std::optional<int64_t> get_int(simdjson::dom::element obj, std::string_view key) {
  int64_t v;
  if (obj[key].get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

}  // namespace regent::core
