#pragma once
// The request and response as handlers see them: plain values, no Beast types, so handlers and
// their tests compile without Asio.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/trace_context.hpp"

namespace regent::api {

struct Request {
  std::string method;  // GET, POST, ...
  std::string path;    // without the query
  std::string target;  // as received: path and query, still encoded
  std::map<std::string, std::string> query;
  std::map<std::string, std::string, std::less<>> headers;  // names lower-cased
  std::string body;
  std::string remote_ip;
  std::string request_id;  // set by the server before routing
  TraceContext trace;      // likewise (api/trace_context.hpp)
  bool malformed_query = false;  // broken percent-encoding: the router answers 422

  // A view into `headers`: valid while the request is.
  std::optional<std::string_view> header(std::string_view lower_name) const {
    auto it = headers.find(lower_name);
    if (it == headers.end()) return std::nullopt;
    return std::string_view(it->second);
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body instead: pulled a piece at a time as the client takes them (chunked
  // transfer), nullopt after the last, so that an answer of any size takes constant memory. Called
  // off the I/O threads, after the handler returned (it captures nothing of the request by
  // reference). An exception cuts the transfer short, without its last chunk: the client sees an
  // incomplete answer, never a complete wrong one.
  std::function<std::optional<std::string>()> stream;
};

// Splits "a=1&b=x%20y" into decoded pairs; false when the encoding is broken.
bool parse_query(std::string_view raw, std::map<std::string, std::string>& out);

}  // namespace regent::api
