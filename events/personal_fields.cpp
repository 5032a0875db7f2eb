#include "events/personal_fields.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <stdexcept>

#include "core/json.hpp"
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
  auto doc = core::JsonDocument::parse(data);
  if (!doc) return std::nullopt;
  auto id = core::get_string(doc->root(), "user_id");
  return id ? std::optional<std::string>(std::string(*id)) : std::nullopt;
}

namespace {
void seal_in(boost::json::object& o, std::string_view key, std::string_view event_id) {
  if (auto* personal = o.if_contains("personal"); personal && personal->is_object())
    for (auto& [name, value] : personal->as_object())
      if (value.is_string())
        value = core::seal_field(key, value.as_string(), event_id, personal_field(name));
  if (auto* hash = o.if_contains(kPasswordHash); hash && hash->is_string())
    *hash = core::seal_field(key, hash->as_string(), event_id, kPasswordHash);
}
}  // namespace

std::string seal_personal(std::string_view data, std::string_view key, std::string_view event_id) {
  auto o = parse_object(data);
  seal_in(o, key, event_id);
  return boost::json::serialize(o);
}

std::optional<std::string> seal_personal(
    std::string_view data, std::string_view event_id,
    const std::function<std::optional<std::string>(const std::string& owner)>& key_of) {
  auto o = parse_object(data);
  auto* owner = o.if_contains("user_id");
  if (!owner || !owner->is_string() || !key_of) return std::nullopt;
  auto key = key_of(std::string(owner->as_string()));
  if (!key) return std::nullopt;
  seal_in(o, *key, event_id);
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

namespace regent::events {
namespace {
constexpr std::string_view kIp = "ip";
constexpr std::string_view kUserAgent = "useragent";
}  // namespace

std::optional<std::string> origin_owner(const Envelope& e) {
  if (e.actor_type != "user" || e.actor_id.empty()) return std::nullopt;
  return e.actor_id;
}

void seal_origin(Envelope& e, std::string_view key) {
  if (!e.ip.empty()) e.ip = core::seal_field(key, e.ip, e.id, kIp);
  if (!e.user_agent.empty()) e.user_agent = core::seal_field(key, e.user_agent, e.id, kUserAgent);
}

void open_origin(Envelope& e, const std::optional<std::string>& key) {
  if (!origin_owner(e)) return;  // an API key's, in clear
  auto open = [&](std::string& value, std::string_view field) {
    if (!core::is_sealed(value)) return;
    std::optional<std::string> clear;
    if (key) clear = core::open_field(*key, value, e.id, field);
    value = clear.value_or("");
  };
  open(e.ip, kIp);
  open(e.user_agent, kUserAgent);
}

}  // namespace regent::events
