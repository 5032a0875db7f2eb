#pragma once
// A blocking HTTP/1.1 client for tests: one request, one connection.
#include <map>
#include <string>

#include "core/json.hpp"

namespace regent::test {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::unique_ptr<core::JsonDocument> json() const { return core::JsonDocument::parse(body); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  std::string str(std::string_view key) const;  // a top-level string field of the JSON body
};

struct HttpRequest {
  std::string method = "GET";
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;
};

HttpResponse http(int port, const HttpRequest& req);

// Shorthands: JSON bodies go with Content-Type: application/json.
HttpResponse get(int port, const std::string& target, const std::string& token = "",
                 std::map<std::string, std::string> headers = {});
HttpResponse send(int port, const std::string& method, const std::string& target, const std::string& json,
                  const std::string& token = "", std::map<std::string, std::string> headers = {});
HttpResponse post(int port, const std::string& target, const std::string& json, const std::string& token = "",
                  std::map<std::string, std::string> headers = {});

}  // namespace regent::test
