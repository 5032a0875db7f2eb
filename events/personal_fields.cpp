#include "events/personal_fields.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <stdexcept>

#include "core/sealed_fields.hpp"

namespace regent::events {
namespace {
constexpr std::string_view kPasswordHash = "password_hash";

boost::json::object parse_object(std::string_view data) {
  auto v = boost::json::parse(data);
  if (!v.is_object()) throw std::invalid_argument("event data is not a JSON object");
  return std::move(v.as_object());
}
}  // namespace

std::string personal_field(std::string_view name) {
  return name == kPasswordHash ? std::string(kPasswordHash) : "personal." + std::string(name);
}

bool has_personal(std::string_view data) {
  return data.find("\"personal\":{\"") != std::string_view::npos || data.find("\"password_hash\":") != std::string_view::npos;
}

bool has_sealed(std::string_view data) { return data.find("\"pd1.") != std::string_view::npos; }

std::optional<std::string> personal_owner(std::string_view data) {
  auto o = parse_object(data);
  if (auto* id = o.if_contains("user_id"); id && id->is_string()) return std::string(id->as_string());
  return std::nullopt;
}

std::string seal_personal(std::string_view data, std::string_view key, std::string_view event_id) {
  auto o = parse_object(data);
  if (auto* personal = o.if_contains("personal"); personal && personal->is_object())
    for (auto& [name, value] : personal->as_object())
      if (value.is_string())
        value = core::seal_field(key, value.as_string(), event_id, personal_field(name));
  if (auto* hash = o.if_contains(kPasswordHash); hash && hash->is_string())
    *hash = core::seal_field(key, hash->as_string(), event_id, kPasswordHash);
  return boost::json::serialize(o);
}

std::string open_personal(std::string_view data, const std::optional<std::string>& key, std::string_view event_id) {
  bool sealed = has_sealed(data);
  if (!sealed && data.find("\"password_hash\":") == std::string_view::npos) return std::string(data);
  auto o = parse_object(data);
  o.erase(kPasswordHash);
  if (auto* personal = o.if_contains("personal"); sealed && personal && personal->is_object())
    for (auto& [name, value] : personal->as_object()) {
      if (!value.is_string() || !core::is_sealed(value.as_string())) continue;
      std::optional<std::string> clear;
      if (key) clear = core::open_field(*key, value.as_string(), event_id, personal_field(name));
      if (clear) value = *clear;
      else value = nullptr;
    }
  return boost::json::serialize(o);
}

}  // namespace regent::events
