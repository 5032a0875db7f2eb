#pragma once
// Query parameters read the way request bodies are: each checked, unknown ones refused, and every
// problem reported together (422 with errors[]). Pagination cursors are opaque to clients:
// base64url of "<kind>:<key>", so a cursor of one list is refused by another.
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/http.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace regent::api {

class QueryParams {
 public:
  explicit QueryParams(const Request& req);

  int limit();  // ?limit= 1..500, default 50
  // The key inside ?cursor= when it is one of `kind` and `valid` accepts it, else nullopt (and an
  // error if a cursor was given).
  std::optional<std::string> cursor(char kind, bool (*valid)(std::string_view));
  std::optional<std::string> text(std::string_view name, size_t max_length);
  std::optional<std::string> uuid(std::string_view name);
  std::optional<std::string> one_of(std::string_view name, std::initializer_list<std::string_view> allowed);
  // RFC 3339 date-time, or a date (midnight UTC).
  std::optional<core::UnixMillis> time(std::string_view name);

  // Everything read so far, plus any parameter nobody asked about: ok, or 422 naming each.
  core::Result<bool> finish();
  void fail(std::string_view name, std::string message);

 private:
  const std::string* find(std::string_view name);

  const Request& req_;
  std::set<std::string, std::less<>> known_{"tenant"};  // super_admin's ?tenant= is always allowed
  std::vector<core::FieldError> errors_;
};

std::string encode_cursor(char kind, std::string_view key);
std::optional<std::string> decode_cursor(char kind, std::string_view cursor);

// {"items": [...], "next_cursor": ...}: `items` are JSON objects; `next_key` empty on the last page.
std::string page_json(const std::vector<std::string>& items, char kind, const std::string& next_key);

}  // namespace regent::api
