#include "core/json_schema.hpp"

#include <set>
#include <stdexcept>

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace regent::core {

// Where a value sits: a chain of fields and items on the caller's stack, spelt out ("data.items[2]")
// only when something there is wrong, since almost every event validated is valid.
struct SchemaSet::Path {
  const Path* parent = nullptr;
  std::string_view key;  // a field, or
  long index = -1;       // an item of an array
  std::string str() const {
    if (!parent) return {};
    std::string out = parent->str();
    if (index >= 0) return out + "[" + std::to_string(index) + "]";
    return out.empty() ? std::string(key) : out + "." + std::string(key);
  }
};

namespace {
using simdjson::dom::element;
using simdjson::dom::element_type;

const std::set<std::string_view> kKeywords = {
    "$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default",
    "type", "properties", "required", "additionalProperties", "items", "enum", "const",
    "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems",
    "uniqueItems", "format", "allOf", "$ref", "if", "then", "else"};

bool type_matches(std::string_view t, element v) {
  auto k = v.type();
  if (t == "object") return k == element_type::OBJECT;
  if (t == "array") return k == element_type::ARRAY;
  if (t == "string") return k == element_type::STRING;
  if (t == "boolean") return k == element_type::BOOL;
  if (t == "null") return k == element_type::NULL_VALUE;
  if (t == "integer") return k == element_type::INT64 || k == element_type::UINT64;
  if (t == "number")
    return k == element_type::INT64 || k == element_type::UINT64 || k == element_type::DOUBLE;
  return false;
}

bool is_number(element v) {
  auto k = v.type();
  return k == element_type::INT64 || k == element_type::UINT64 || k == element_type::DOUBLE;
}

// JSON Schema's equality: numbers by value (1 and 1.0 are equal), objects whatever their order.
bool json_equal(element a, element b) {
  if (is_number(a) && is_number(b)) {
    if (a.type() != element_type::DOUBLE && b.type() != element_type::DOUBLE && a.type() == b.type())
      return a.type() == element_type::INT64 ? int64_t(a) == int64_t(b) : uint64_t(a) == uint64_t(b);
    return a.get_double().value() == b.get_double().value();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case element_type::STRING: return std::string_view(a) == std::string_view(b);
    case element_type::BOOL: return bool(a) == bool(b);
    case element_type::NULL_VALUE: return true;
    case element_type::ARRAY: {
      simdjson::dom::array x(a), y(b);
      if (x.size() != y.size()) return false;
      for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j)
        if (!json_equal(*i, *j)) return false;
      return true;
    }
    case element_type::OBJECT: {
      simdjson::dom::object x(a), y(b);
      if (x.size() != y.size()) return false;
      for (auto field : x) {
        element other;
        if (y[field.key].get(other) != simdjson::SUCCESS || !json_equal(field.value, other)) return false;
      }
      return true;
    }
    default: return false;
  }
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// "string", or "string or null": what a schema's `type` allows, in words.
std::string type_names(element type) {
  if (type.type() == element_type::STRING) return std::string(std::string_view(type));
  std::string out;
  for (auto t : simdjson::dom::array(type)) out += (out.empty() ? "" : " or ") + std::string(std::string_view(t));
  return out;
}

bool format_ok(std::string_view format, std::string_view s) {
  if (format == "uuid") return is_uuid(s);
  if (format == "date-time") return parse_rfc3339(s).has_value();
  if (format == "email") {
    auto at = s.find('@');
    return at != std::string_view::npos && at > 0 && at + 1 < s.size() &&
           s.find('@', at + 1) == std::string_view::npos &&
           s.substr(at + 1).find('.') != std::string_view::npos;
  }
  return true;
}
}  // namespace

void SchemaSet::check_keywords(element schema, const std::string& where) {
  if (schema.type() == element_type::BOOL) return;
  if (schema.type() != element_type::OBJECT)
    throw std::invalid_argument(where + ": a schema must be an object");
  for (auto field : simdjson::dom::object(schema)) {
    if (!kKeywords.count(field.key))
      throw std::invalid_argument(where + ": unsupported keyword " + std::string(field.key));
    std::string sub = where + "/" + std::string(field.key);
    if (field.key == "properties" || field.key == "$defs") {
      for (auto p : simdjson::dom::object(field.value)) check_keywords(p.value, sub + "/" + std::string(p.key));
    } else if (field.key == "items" || field.key == "additionalProperties" || field.key == "if" ||
               field.key == "then" || field.key == "else") {
      check_keywords(field.value, sub);
    } else if (field.key == "allOf") {
      for (auto s : simdjson::dom::array(field.value)) check_keywords(s, sub);
    } else if (field.key == "pattern") {
      std::string p(std::string_view(field.value));
      if (!patterns_.count(p)) patterns_.emplace(p, std::regex(p, std::regex::ECMAScript));
    }
  }
}

void SchemaSet::add(const std::string& id, std::string_view text) {
  auto doc = JsonDocument::parse(text);
  if (!doc) throw std::invalid_argument(id + ": not JSON");
  check_keywords(doc->root(), id);
  docs_[id] = std::move(doc);
}

std::vector<FieldError> SchemaSet::validate(const std::string& id, element instance) const {
  std::vector<FieldError> out;
  auto it = docs_.find(id);
  if (it == docs_.end()) return {{"", "no schema " + id}};
  validate_at(id, it->second->root(), instance, Path{}, out);
  return out;
}

void SchemaSet::validate_at(const std::string& doc_id, element schema, element value,
                            const Path& path, std::vector<FieldError>& out) const {
  if (schema.type() == element_type::BOOL) {
    if (!bool(schema)) out.push_back({path.str(), "is not allowed"});
    return;
  }
  std::string_view ref;
  if (schema["$ref"].get(ref) == simdjson::SUCCESS) {
    if (ref.rfind("#/$defs/", 0) == 0) {
      element target;
      auto root = docs_.at(doc_id)->root();
      if (root["$defs"][ref.substr(8)].get(target) != simdjson::SUCCESS) {
        out.push_back({path.str(), "schema reference " + std::string(ref) + " is missing"});
        return;
      }
      validate_at(doc_id, target, value, path, out);
    } else {
      auto it = docs_.find(std::string(ref));
      if (it == docs_.end()) {
        out.push_back({path.str(), "schema reference " + std::string(ref) + " is missing"});
        return;
      }
      validate_at(it->first, it->second->root(), value, path, out);
    }
  }
  simdjson::dom::array all_of;
  if (schema["allOf"].get(all_of) == simdjson::SUCCESS)
    for (auto s : all_of) validate_at(doc_id, s, value, path, out);
  // if/then/else: what `if` finds is never an error itself; it picks which branch applies.
  element if_schema;
  if (schema["if"].get(if_schema) == simdjson::SUCCESS) {
    std::vector<FieldError> probe;
    validate_at(doc_id, if_schema, value, path, probe);
    element branch;
    if (schema[probe.empty() ? "then" : "else"].get(branch) == simdjson::SUCCESS)
      validate_at(doc_id, branch, value, path, out);
  }

  element type;
  if (schema["type"].get(type) == simdjson::SUCCESS) {
    bool ok = false;
    if (type.type() == element_type::STRING) {
      ok = type_matches(std::string_view(type), value);
    } else {
      for (auto t : simdjson::dom::array(type)) ok = ok || type_matches(std::string_view(t), value);
    }
    if (!ok) {
      out.push_back({path.str(), "must be of type " + type_names(type)});
      return;
    }
  }
  element c;
  if (schema["const"].get(c) == simdjson::SUCCESS && !json_equal(c, value))
    out.push_back({path.str(), "must be " + simdjson::to_string(c)});
  simdjson::dom::array en;
  if (schema["enum"].get(en) == simdjson::SUCCESS) {
    bool found = false;
    for (auto e : en) found = found || json_equal(e, value);
    if (!found) {
      std::string allowed;
      for (auto e : en) allowed += (allowed.empty() ? "" : ", ") + simdjson::to_string(e);
      out.push_back({path.str(), "must be one of " + allowed});
    }
  }

  if (value.type() == element_type::STRING) {
    std::string_view s(value);
    int64_t n;
    if (schema["minLength"].get(n) == simdjson::SUCCESS && utf8_length(s) < size_t(n))
      out.push_back({path.str(), "must be at least " + std::to_string(n) + " characters"});
    if (schema["maxLength"].get(n) == simdjson::SUCCESS && utf8_length(s) > size_t(n))
      out.push_back({path.str(), "must be at most " + std::to_string(n) + " characters"});
    std::string_view pattern;
    if (schema["pattern"].get(pattern) == simdjson::SUCCESS &&
        !std::regex_search(s.begin(), s.end(), patterns_.find(pattern)->second))
      out.push_back({path.str(), "does not match " + std::string(pattern)});
    std::string_view format;
    if (schema["format"].get(format) == simdjson::SUCCESS && !format_ok(format, s))
      out.push_back({path.str(), "is not a valid " + std::string(format)});
  }
  if (value.type() == element_type::INT64 || value.type() == element_type::UINT64 ||
      value.type() == element_type::DOUBLE) {
    double v = double(value.get_double().value());
    double bound;
    if (schema["minimum"].get(bound) == simdjson::SUCCESS && v < bound)
      out.push_back({path.str(), "must be >= " + simdjson::to_string(schema["minimum"].value())});
    if (schema["maximum"].get(bound) == simdjson::SUCCESS && v > bound)
      out.push_back({path.str(), "must be <= " + simdjson::to_string(schema["maximum"].value())});
  }
  if (value.type() == element_type::ARRAY) {
    simdjson::dom::array arr(value);
    int64_t n;
    if (schema["minItems"].get(n) == simdjson::SUCCESS && arr.size() < size_t(n))
      out.push_back({path.str(), "must have at least " + std::to_string(n) + " items"});
    if (schema["maxItems"].get(n) == simdjson::SUCCESS && arr.size() > size_t(n))
      out.push_back({path.str(), "must have at most " + std::to_string(n) + " items"});
    bool unique = false;
    if (schema["uniqueItems"].get(unique) == simdjson::SUCCESS && unique) {
      bool repeated = false;  // by JSON Schema's equality; arrays in events are short
      for (auto i = arr.begin(); i != arr.end() && !repeated; ++i) {
        auto j = i;
        for (++j; j != arr.end() && !repeated; ++j) repeated = json_equal(*i, *j);
      }
      if (repeated) out.push_back({path.str(), "must not repeat items"});
    }
    element items;
    if (schema["items"].get(items) == simdjson::SUCCESS) {
      size_t i = 0;
      for (auto item : arr) validate_at(doc_id, items, item, Path{&path, {}, static_cast<long>(i++)}, out);
    }
  }
  if (value.type() == element_type::OBJECT) {
    simdjson::dom::object obj(value);
    simdjson::dom::array required;
    if (schema["required"].get(required) == simdjson::SUCCESS)
      for (auto r : required) {
        element ignored;
        if (obj[std::string_view(r)].get(ignored) != simdjson::SUCCESS)
          out.push_back({Path{&path, std::string_view(r)}.str(), "is required"});
      }
    simdjson::dom::object props;
    bool has_props = schema["properties"].get(props) == simdjson::SUCCESS;
    element additional;
    bool has_additional = schema["additionalProperties"].get(additional) == simdjson::SUCCESS;
    for (auto field : obj) {
      element sub;
      Path at{&path, field.key};
      if (has_props && props[field.key].get(sub) == simdjson::SUCCESS) {
        validate_at(doc_id, sub, field.value, at, out);
      } else if (has_additional) {
        if (additional.type() == element_type::BOOL && !bool(additional))
          out.push_back({at.str(), "is not a known field"});
        else
          validate_at(doc_id, additional, field.value, at, out);
      }
    }
  }
}

}  // namespace regent::core
