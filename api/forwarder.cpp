#include "api/forwarder.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <mutex>
#include <vector>

#include "api/api_keys.hpp"
#include "api/jwt.hpp"
#include "api/verified_tokens.hpp"
#include "api/support.hpp"
#include "api/problem.hpp"
#include "api/service_tokens.hpp"
#include "api/services.hpp"
#include "commands/processor.hpp"
#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/waiting.hpp"

namespace regent::api {
namespace {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
const core::Logger logger("api");

constexpr const char* kHeader = "regent-forwarded";

// Headers about one connection, not the request: never passed on.
bool hop_by_hop(std::string_view name) {
  for (std::string_view h : {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection",
                             "content-length", "host", "regent-forwarded"})
    if (name == h) return true;
  return false;
}

struct Endpoint {
  std::string host;
  std::string port;
};

std::optional<Endpoint> parse_base_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) return std::nullopt;
  url.remove_prefix(scheme.size());
  url = url.substr(0, url.find('/'));
  auto colon = url.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == url.size()) return std::nullopt;
  std::string host(url.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return Endpoint{host, std::string(url.substr(colon + 1))};
}

core::Error unreachable_owner() {
  core::Error e = core::make_error(core::errc::unavailable, "the server that handles this tenant cannot be reached; retry");
  e.retry_after_s = 1;
  return e;
}
}  // namespace

// A connection to an owner with its own I/O context: the thread that forwards a request runs it
// until the exchange completes or the deadline passes (sync socket calls have no deadline).
struct Connection {
  asio::io_context io;
  boost::beast::tcp_stream stream{io};

  // Runs `start(done)` to completion or until `timeout`; the error it ended with.
  template <class Start>
  boost::system::error_code run(std::chrono::milliseconds timeout, Start start) {
    boost::system::error_code result = asio::error::timed_out;
    stream.expires_after(timeout);
    start([&](boost::system::error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    return result;
  }
};

// Idle keep-alive connections per owner: forwarding is on the path of every misdirected request.
struct Forwarder::Pool {
  std::mutex mu;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;

  std::unique_ptr<Connection> take(const std::string& url) {
    std::lock_guard lock(mu);
    auto& list = idle[url];
    if (list.empty()) return nullptr;
    auto c = std::move(list.back());
    list.pop_back();
    return c;
  }
  void give_back(const std::string& url, std::unique_ptr<Connection> c) {
    std::lock_guard lock(mu);
    auto& list = idle[url];
    if (list.size() < 64) list.push_back(std::move(c));
  }
};

Forwarder::Forwarder(std::string secret, std::chrono::milliseconds timeout)
    : secret_(std::move(secret)), timeout_(timeout), pool_(std::make_unique<Pool>()) {}

Forwarder::~Forwarder() = default;

std::string Forwarder::signature(const Request& req, const std::string& client_ip) const {
  return core::base64url_encode(
      core::hmac_sha256(secret_, "regent-forwarded\n" + req.request_id + "\n" + client_ip + "\n" + req.method + "\n" + req.target));
}

std::string Forwarder::header_for(const Request& req) const {
  return "for=" + req.remote_ip + ";sig=" + signature(req, req.remote_ip);
}

bool Forwarder::accept(Request& req) const {
  auto it = req.headers.find(kHeader);
  if (it == req.headers.end()) return false;
  std::string value = it->second;
  req.headers.erase(it);
  // "for=<client ip>;sig=<mac>"
  auto semi = value.find(";sig=");
  if (value.rfind("for=", 0) != 0 || semi == std::string::npos) return false;
  std::string ip = value.substr(4, semi - 4);
  std::string sig = value.substr(semi + 5);
  if (!core::constant_time_equal(sig, signature(req, ip))) {
    logger.warn("a forwarding header did not verify; ignored", {{"request_id", req.request_id}});
    return false;
  }
  req.remote_ip = ip;
  return true;
}

std::optional<Response> Forwarder::forward(const Request& req, const std::string& base_url) {
  return exchange(req, base_url, true);
}

std::optional<Response> Forwarder::send(const Request& req, const std::string& base_url) {
  return exchange(req, base_url, false);
}

std::optional<Response> Forwarder::exchange(const Request& req, const std::string& base_url, bool as_forwarded) {
  auto endpoint = parse_base_url(base_url);
  if (!endpoint) return std::nullopt;
  http::request<http::string_body> out{http::string_to_verb(req.method), req.target.empty() ? req.path : req.target, 11};
  for (const auto& [name, value] : req.headers)
    if (!hop_by_hop(name)) out.set(name, value);
  out.set(http::field::host, endpoint->host + ":" + endpoint->port);
  out.set("Request-Id", req.request_id);
  out.set("traceparent", req.trace.traceparent());  // the owner's span is a child of this one
  if (!req.trace.tracestate.empty()) out.set("tracestate", req.trace.tracestate);
  if (as_forwarded) out.set("Regent-Forwarded", header_for(req));
  out.body() = req.body;
  out.keep_alive(true);
  out.prepare_payload();

  // A kept connection the owner has closed fails before any answer: then one more try on a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto conn = attempt == 0 ? pool_->take(base_url) : nullptr;
    bool reused = conn != nullptr;
    boost::system::error_code ec;
    if (!conn) {
      conn = std::make_unique<Connection>();
      tcp::resolver resolver(conn->io);
      auto found = resolver.resolve(endpoint->host, endpoint->port, ec);
      if (!ec)
        ec = conn->run(std::min(timeout_, std::chrono::milliseconds(2000)),
                       [&](auto done) { conn->stream.async_connect(found, done); });
      if (ec) {
        logger.warn("forwarding failed: cannot connect", {{"request_id", req.request_id}, {"error", ec.message()}});
        return std::nullopt;
      }
      conn->stream.socket().set_option(tcp::no_delay(true), ec);
    }
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    ec = conn->run(timeout_, [&](auto done) { http::async_write(conn->stream, out, done); });
    if (!ec) ec = conn->run(timeout_, [&](auto done) { http::async_read(conn->stream, buffer, parser, done); });
    if (ec) {
      if (reused && !parser.got_some() &&
          (ec == http::error::end_of_stream || ec == asio::error::connection_reset || ec == asio::error::broken_pipe))
        continue;
      logger.warn("forwarding failed", {{"request_id", req.request_id}, {"error", ec.message()}});
      return std::nullopt;
    }
    auto& msg = parser.get();
    Response resp;
    resp.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg) {
      std::string name(f.name_string());
      std::string lower = name;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == "content-type") resp.content_type = std::string(f.value());
      else if (!hop_by_hop(lower) && lower != "request-id" && lower != "server")
        resp.headers.emplace_back(name, std::string(f.value()));
    }
    resp.body = std::move(msg.body());
    if (msg.keep_alive()) pool_->give_back(base_url, std::move(conn));
    return resp;
  }
  return std::nullopt;
}

std::optional<int32_t> request_partition(const Request& req, const Services& svc) {
  const auto& proc = svc.processor;
  if (auto header = req.header("authorization"); header && header->rfind("Bearer ", 0) == 0) {
    std::string_view bearer = std::string_view(*header).substr(7);
    if (looks_like_service_token(bearer)) {
      auto tenant = verify_service_token(svc.config.jwt_secret, bearer, core::now_millis() / 1000);
      if (!tenant) return std::nullopt;
      return proc.partition_of(*tenant);
    }
    if (looks_like_api_key(bearer)) {
      auto tenant = api_key_tenant(bearer);
      if (!tenant) return std::nullopt;
      return proc.partition_of(*tenant);
    }
    auto claims = verified_claims(svc.verified_tokens, bearer, svc.jwt_keys, svc.config.jwt_issuer,
                                  core::now_millis() / 1000);
    if (!claims) return std::nullopt;  // answered 401 wherever it is
    std::string acting;
    if (auto it = req.query.find("tenant"); it != req.query.end()) acting = it->second;
    else if (auto h = req.header("regent-tenant")) acting = *h;
    bool may_act_elsewhere = std::find((*claims)->roles.begin(), (*claims)->roles.end(), "super_admin") != (*claims)->roles.end();
    if (!acting.empty() && may_act_elsewhere)
      return core::is_uuid(acting) ? proc.partition_of(core::TenantId{acting}) : proc.partition_of_slug(acting);
    return proc.partition_of(core::TenantId{(*claims)->tid});
  }
  bool refreshing = req.path == "/v1/auth/refresh" || req.path == "/v1/auth/logout";
  if (req.method == "POST" && (refreshing || req.path == "/v1/invitations/accept")) {
    auto doc = core::JsonDocument::parse(req.body);
    if (!doc || !doc->root().is_object()) return std::nullopt;
    auto token = core::get_string(doc->root(), refreshing ? "refresh_token" : "token").value_or("");
    auto tenant = token_tenant(token, refreshing ? "rt" : "inv");
    if (!tenant) return std::nullopt;
    return proc.partition_of(*tenant);
  }
  const char* slug_field = nullptr;
  if (req.method == "POST" && req.path == "/v1/tenants") slug_field = "slug";
  else if (req.method == "POST" && req.path == "/v1/auth/login") slug_field = "tenant";
  if (!slug_field) return std::nullopt;
  auto doc = core::JsonDocument::parse(req.body);
  if (!doc || !doc->root().is_object()) return std::nullopt;
  auto slug = core::get_string(doc->root(), slug_field);
  if (!slug || slug->empty()) return std::nullopt;
  return proc.partition_of_slug(*slug);
}

std::optional<Response> serve_elsewhere(Request& req, Services& svc) {
  if (!svc.forwarder) return std::nullopt;  // one instance writes to everything
  bool forwarded = svc.forwarder->accept(req);
  auto partition = request_partition(req, svc);
  if (!partition) return std::nullopt;
  auto owner = svc.processor.owner_of(*partition);
  if (owner.local) return std::nullopt;
  auto& metrics = core::Metrics::global();
  // Forwarded once already: the sender's view of the owner was out of date. Answering beats
  // forwarding again, which could go round in circles while ownership moves.
  if (forwarded || owner.url.empty()) {
    metrics.counter_add("regent_forwarded_requests_total", {{"outcome", "no_owner"}});
    core::Error e = core::make_error(core::errc::unavailable, "the tenant's partition is changing hands; retry");
    e.retry_after_s = 1;
    return problem(e, req.request_id);
  }
  std::optional<Response> answer;
  core::run_blocking([&] { answer = svc.forwarder->forward(req, owner.url); });
  metrics.counter_add("regent_forwarded_requests_total", {{"outcome", answer ? "forwarded" : "unreachable"}});
  if (!answer) return problem(unreachable_owner(), req.request_id);
  return answer;
}

}  // namespace regent::api
