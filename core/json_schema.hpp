#pragma once
// A validator for the subset of JSON Schema (2020-12) that Regent's schemas use. Loading a schema
// that uses any other keyword fails, so no keyword is ever silently ignored. The official JSON
// Schema Test Suite judges it for every keyword below (tests/unit/json_schema_suite_test.cpp).
//
// Supported: type, properties, required, additionalProperties, items, enum, const, pattern,
// minLength, maxLength, minimum, maximum, minItems, maxItems, uniqueItems, format (uuid,
// date-time, email), allOf, $ref (to "#/$defs/..." or to another loaded schema by its $id).
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "core/errc.hpp"
#include "core/json.hpp"

namespace regent::core {

class SchemaSet {
 public:
  // Adds a schema; throws std::invalid_argument on unsupported keywords or bad patterns.
  void add(const std::string& id, std::string_view text);
  bool has(const std::string& id) const { return docs_.count(id) > 0; }

  // Field errors of `instance` against schema `id`; empty means valid. Paths look like
  // "data.personal.email".
  std::vector<FieldError> validate(const std::string& id, simdjson::dom::element instance) const;

 private:
  void check_keywords(simdjson::dom::element schema, const std::string& where);
  struct Path;
  void validate_at(const std::string& doc_id, simdjson::dom::element schema,
                   simdjson::dom::element value, const Path& path,
                   std::vector<FieldError>& out) const;
  std::map<std::string, std::unique_ptr<JsonDocument>> docs_;
  std::map<std::string, std::regex, std::less<>> patterns_;
};

}  // namespace regent::core
