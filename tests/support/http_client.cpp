#include "tests/support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace regent::test {
namespace beast = boost::beast;
namespace http_ns = beast::http;
using tcp = boost::asio::ip::tcp;

std::string HttpResponse::str(std::string_view key) const {
  auto doc = json();
  if (!doc) return "";
  return std::string(core::get_string(doc->root(), key).value_or(""));
}

HttpResponse http(int port, const HttpRequest& req) {
  boost::asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  http_ns::request<http_ns::string_body> msg{http_ns::string_to_verb(req.method), req.target, 11};
  msg.set(http_ns::field::host, "127.0.0.1");
  for (const auto& [k, v] : req.headers) msg.set(k, v);
  msg.body() = req.body;
  msg.prepare_payload();
  // A server may answer before the whole request is sent (413): read the answer even then.
  beast::error_code write_ec;
  http_ns::write(socket, msg, write_ec);
  beast::flat_buffer buffer;
  http_ns::response_parser<http_ns::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  beast::error_code ec;
  http_ns::read(socket, buffer, parser, ec);
  if (ec) throw std::runtime_error("http read: " + ec.message() + (write_ec ? " (write: " + write_ec.message() + ")" : ""));
  HttpResponse out;
  auto& res = parser.get();
  out.status = res.result_int();
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  out.body = res.body();
  socket.shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

HttpResponse get(int port, const std::string& target, const std::string& token,
                 std::map<std::string, std::string> headers) {
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  return http(port, {"GET", target, "", headers});
}

HttpResponse send(int port, const std::string& method, const std::string& target, const std::string& json,
                  const std::string& token, std::map<std::string, std::string> headers) {
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  if (!headers.count("Content-Type")) headers["Content-Type"] = "application/json";
  return http(port, {method, target, json, headers});
}

HttpResponse post(int port, const std::string& target, const std::string& json, const std::string& token,
                  std::map<std::string, std::string> headers) {
  return send(port, "POST", target, json, token, std::move(headers));
}

}  // namespace regent::test
