#include "events/schemas.hpp"

#include "core/json_schema.hpp"
#include "core/resources.hpp"
#include "events/event_types.hpp"

namespace regent::events {
namespace {
const core::SchemaSet& schema_set() {
  static const core::SchemaSet set = [] {
    core::SchemaSet s;
    s.add("envelope.json", core::resource("schemas/events/envelope.json"));
    for (auto type : types::all) {
      std::string path = "schemas/events/" + std::string(type) + ".json";
      s.add(std::string(type), core::resource(path));
    }
    return s;
  }();
  return set;
}
}  // namespace

std::vector<core::FieldError> validate_event_json(std::string_view json) {
  auto doc = core::JsonDocument::parse(json);
  if (!doc) return {{"", "is not JSON"}};
  auto type = core::get_string(doc->root(), "type");
  if (!type) return {{"type", "is required"}};
  const auto& set = schema_set();
  if (!set.has(std::string(*type))) return {{"type", "is not a known event type"}};
  return set.validate(std::string(*type), doc->root());
}

}  // namespace regent::events
