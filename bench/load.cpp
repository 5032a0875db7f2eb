// A load generator for Regent's command side: wallet debits spread over many users, from many
// keep-alive connections at once, through the real HTTP API. Prints throughput and latency
// percentiles; asserts nothing.
//
//   regent_load --port 8080[,8081,...] --connections 64 --seconds 10 --tenants 10 --users 100
//   regent_load --port 8080 --get /healthz     # the HTTP floor: no setup, no command, GETs only
//   regent_load --port 8080 --command rename   # PATCH users' full names: a sealed personal field a command
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/json.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::vector<std::string> ports{"8080"};  // connection i goes to ports[i % size]
  int connections = 64;
  int seconds = 10;
  int tenants = 10;
  int users = 100;  // per tenant
  std::string get;  // when set: GET this path instead of wallet debits, with no setup
  std::string command = "debit";  // or "rename": PATCH a user's full name (a personal field, sealed)
};

// One keep-alive HTTP/1.1 connection, reopened when the server closes it.
class Connection {
 public:
  Connection(const Options& o, size_t index) : o_(o), port_(o.ports[index % o.ports.size()]), socket_(io_) {}

  http::response<http::string_body> send(http::verb method, const std::string& target, const std::string& body,
                                         const std::string& token) {
    for (int attempt = 0;; ++attempt) {
      try {
        if (!socket_.is_open()) {
          asio::ip::tcp::resolver resolver(io_);
          asio::connect(socket_, resolver.resolve(o_.host, port_));
          socket_.set_option(asio::ip::tcp::no_delay(true));
        }
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, o_.host);
        req.set(http::field::content_type, "application/json");
        if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
        req.body() = body;
        req.prepare_payload();
        http::write(socket_, req);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        http::read(socket_, buffer, res);
        if (!res.keep_alive()) socket_.close();
        return res;
      } catch (const std::exception&) {
        beast::error_code ignored;
        socket_.close(ignored);
        if (attempt == 2) throw;
      }
    }
  }

 private:
  const Options& o_;
  std::string port_;
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
};

std::string field(const std::string& json, std::initializer_list<std::string_view> path) {
  auto doc = regent::core::JsonDocument::parse(json);
  if (!doc) return {};
  simdjson::dom::element e = doc->root();
  for (auto key : path)
    if (e[key].get(e) != simdjson::SUCCESS) return {};
  std::string_view s;
  return e.get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

struct Tenant {
  std::string token;
  std::vector<std::string> users;
};

void must(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "setup failed: %s\n", what.c_str());
    std::exit(1);
  }
}

// Tenants, their admins' tokens, their users, each credited enough for the whole run.
std::vector<Tenant> set_up(const Options& o) {
  std::vector<Tenant> tenants(o.tenants);
  std::string run = std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);
  std::mutex mu;
  std::vector<std::thread> workers;
  for (int t = 0; t < o.tenants; ++t)
    workers.emplace_back([&, t] {
      Connection c(o, static_cast<size_t>(t));
      std::string slug = "bench-" + run + "-" + std::to_string(t);
      std::string email = "admin@" + slug + ".test";
      auto signup = c.send(http::verb::post, "/v1/tenants",
                           R"({"name":"Bench","slug":")" + slug + R"(","admin":{"email":")" + email +
                               R"(","password":"bench password 123","full_name":"Bench"}})",
                           "");
      must(signup.result_int() == 201, "sign-up: " + signup.body());
      auto login = c.send(http::verb::post, "/v1/auth/login",
                          R"({"tenant":")" + slug + R"(","email":")" + email + R"(","password":"bench password 123"})", "");
      must(login.result_int() == 200, "login: " + login.body());
      Tenant tenant;
      tenant.token = field(login.body(), {"access_token"});
      auto limit = c.send(http::verb::patch, "/v1/tenant", R"({"settings":{"max_users":100000}})", tenant.token);
      must(limit.result_int() == 200, "settings: " + limit.body());
      for (int u = 0; u < o.users; ++u) {
        auto user = c.send(http::verb::post, "/v1/users",
                           R"({"email":"u)" + std::to_string(u) + "@" + slug +
                               R"(.test","full_name":"U","password":"bench password 123"})",
                           tenant.token);
        must(user.result_int() == 201, "user: " + user.body());
        std::string id = field(user.body(), {"id"});
        auto credit = c.send(http::verb::post, "/v1/users/" + id + "/wallet/credits", R"({"amount":1000000000})",
                             tenant.token);
        must(credit.result_int() == 201, "credit: " + credit.body());
        tenant.users.push_back(id);
      }
      std::lock_guard lock(mu);
      tenants[t] = std::move(tenant);
    });
  for (auto& w : workers) w.join();
  return tenants;
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[i];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--host") o.host = v;
    else if (k == "--port") {  // one port, or several separated by commas (one per serve instance)
      o.ports.clear();
      for (size_t start = 0; start <= v.size();) {
        size_t comma = std::min(v.find(',', start), v.size());
        o.ports.push_back(v.substr(start, comma - start));
        start = comma + 1;
      }
    }
    else if (k == "--connections") o.connections = std::atoi(v.c_str());
    else if (k == "--seconds") o.seconds = std::atoi(v.c_str());
    else if (k == "--tenants") o.tenants = std::atoi(v.c_str());
    else if (k == "--users") o.users = std::atoi(v.c_str());
    else if (k == "--get") o.get = v;
    else if (k == "--command") {
      must(v == "debit" || v == "rename", "--command is debit or rename");
      o.command = v;
    }
    else must(false, "unknown option " + k);
  }
  auto setup_started = Clock::now();
  auto tenants = o.get.empty() ? set_up(o) : std::vector<Tenant>{};
  double setup_s = std::chrono::duration<double>(Clock::now() - setup_started).count();

  std::atomic<bool> go{false}, stop{false};
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::map<int, long> statuses;
  std::vector<std::thread> clients;
  for (int c = 0; c < o.connections; ++c)
    clients.emplace_back([&, c] {
      Connection conn(o, static_cast<size_t>(c));
      std::mt19937 rng(static_cast<unsigned>(c) * 7919u + 1);
      std::vector<double> mine;
      std::map<int, long> counts;
      bool rename = o.command == "rename";
      long sent = 0;
      while (!go) std::this_thread::yield();
      while (!stop) {
        const Tenant* t = o.get.empty() ? &tenants[rng() % tenants.size()] : nullptr;
        std::string user = t ? t->users[rng() % t->users.size()] : "";
        std::string target = !t ? o.get : rename ? "/v1/users/" + user : "/v1/users/" + user + "/wallet/debits";
        // Every rename a new name, so that each one is a change.
        std::string body = rename ? R"({"full_name":"Renamed )" + std::to_string(c) + "-" + std::to_string(++sent) + "\"}"
                                  : R"({"amount":1})";
        auto started = Clock::now();
        auto res = t ? conn.send(rename ? http::verb::patch : http::verb::post, target, body, t->token)
                     : conn.send(http::verb::get, target, "", "");
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
        ++counts[res.result_int()];
      }
      std::lock_guard lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
      for (auto [s, n] : counts) statuses[s] += n;
    });
  auto started = Clock::now();
  go = true;
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  stop = true;
  for (auto& c : clients) c.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - started).count();

  std::sort(latencies_ms.begin(), latencies_ms.end());
  if (o.get.empty()) {
    std::printf("setup: %d tenants x %d users, each credited, in %.1f s\n", o.tenants, o.users, setup_s);
    bool rename = o.command == "rename";
    std::printf("%s: %d connections, %.1f s\n", rename ? "renames (PATCH full_name)" : "wallet debits", o.connections, elapsed);
    std::printf("  commands/s (%d): %.0f\n", rename ? 200 : 201, static_cast<double>(statuses[rename ? 200 : 201]) / elapsed);
  } else {
    std::printf("GET %s: %d connections, %.1f s\n", o.get.c_str(), o.connections, elapsed);
    std::printf("  requests/s (200): %.0f\n", static_cast<double>(statuses[200]) / elapsed);
  }
  std::printf("  latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", percentile(latencies_ms, 0.50),
              percentile(latencies_ms, 0.90), percentile(latencies_ms, 0.99),
              latencies_ms.empty() ? 0.0 : latencies_ms.back());
  std::printf("  statuses:");
  for (auto [s, n] : statuses) std::printf(" %d x %ld", s, n);
  std::printf("\n");
  return 0;
}
