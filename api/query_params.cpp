#include "api/query_params.hpp"

#include <algorithm>
#include <charconv>

#include "core/crypto.hpp"
#include "core/ids.hpp"

namespace regent::api {

QueryParams::QueryParams(const Request& req) : req_(req) {}

const std::string* QueryParams::find(std::string_view name) {
  known_.emplace(name);
  auto it = req_.query.find(std::string(name));
  return it == req_.query.end() ? nullptr : &it->second;
}

void QueryParams::fail(std::string_view name, std::string message) {
  errors_.push_back({std::string(name), std::move(message)});
}

int QueryParams::limit() {
  const std::string* v = find("limit");
  if (!v) return 50;
  int limit = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), limit);
  if (ec != std::errc{} || p != v->data() + v->size() || limit < 1 || limit > 500) {
    fail("limit", "must be an integer from 1 to 500");
    return 50;
  }
  return limit;
}

std::optional<std::string> QueryParams::cursor(char kind, bool (*valid)(std::string_view)) {
  const std::string* v = find("cursor");
  if (!v) return std::nullopt;
  auto key = decode_cursor(kind, *v);
  if (key && valid(*key)) return key;
  fail("cursor", "is not a cursor this list gave");
  return std::nullopt;
}

std::optional<std::string> QueryParams::text(std::string_view name, size_t max_length) {
  const std::string* v = find(name);
  if (!v) return std::nullopt;
  if (v->size() > max_length) {
    fail(name, "must be at most " + std::to_string(max_length) + " characters");
    return std::nullopt;
  }
  return *v;
}

std::optional<std::string> QueryParams::uuid(std::string_view name) {
  const std::string* v = find(name);
  if (!v) return std::nullopt;
  if (!core::is_uuid(*v)) {
    fail(name, "must be an id");
    return std::nullopt;
  }
  return *v;
}

std::optional<std::string> QueryParams::one_of(std::string_view name, std::initializer_list<std::string_view> allowed) {
  const std::string* v = find(name);
  if (!v) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    fail(name, "must be one of " + list);
    return std::nullopt;
  }
  return *v;
}

std::optional<core::UnixMillis> QueryParams::time(std::string_view name) {
  const std::string* v = find(name);
  if (!v) return std::nullopt;
  auto t = core::parse_rfc3339(v->size() == 10 ? *v + "T00:00:00Z" : *v);
  if (!t) fail(name, "must be an RFC 3339 date-time (2026-11-24T10:00:00Z) or a date (2026-11-24)");
  return t;
}

core::Result<bool> QueryParams::finish() {
  for (const auto& [name, value] : req_.query)
    if (!known_.count(name)) fail(name, "is not a known parameter");
  if (errors_.empty()) return true;
  return core::Error{core::errc::validation_failed, "the query parameters are invalid", errors_};
}

std::string encode_cursor(char kind, std::string_view key) {
  return core::base64url_encode(std::string(1, kind) + ":" + std::string(key));
}

std::optional<std::string> decode_cursor(char kind, std::string_view cursor) {
  auto raw = core::base64url_decode(cursor);
  if (!raw || raw->size() < 3 || (*raw)[0] != kind || (*raw)[1] != ':') return std::nullopt;
  return raw->substr(2);
}

std::string page_json(const std::vector<std::string>& items, char kind, const std::string& next_key) {
  std::string out = "{\"items\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ",";
    out += items[i];
  }
  out += "],\"next_cursor\":";
  out += next_key.empty() ? "null" : "\"" + encode_cursor(kind, next_key) + "\"";
  return out + "}";
}

}  // namespace regent::api
