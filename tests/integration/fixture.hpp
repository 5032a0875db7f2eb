#pragma once
// A `regent dev` of its own for each test: a fresh data folder, a fresh database, port 0.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <numeric>
#include <string>

#include "events/envelope.hpp"
#include "events/fence.hpp"
#include "events/log_reader.hpp"
#include "projections/read_models.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/regent_process.hpp"
#include "tests/support/test_database.hpp"

namespace regent::test {

inline const std::string kRootEmail = "root@regent.test";
inline const std::string kRootPassword = "root password 123";
inline const std::string kPassword = "correct horse battery";

// Tests send far more sign-ins and sign-ups from one address than a person would; the limits have
// tests of their own, which set them low.
inline const std::map<std::string, std::string> kGenerousLimits = {{"REGENT_SIGNIN_LIMIT_PER_ACCOUNT", "1000/min"},
                                                                  {"REGENT_SIGNIN_LIMIT_PER_IP", "100000/min"},
                                                                  {"REGENT_SIGNUP_LIMIT_PER_IP", "100000/min"},
                                                                  {"REGENT_REFRESH_LIMIT_PER_IP", "100000/min"}};

struct DevServer {
  TempDir dir;
  TestDatabase db;
  std::unique_ptr<RegentProcess> proc;

  std::map<std::string, std::string> extra_env;  // beyond the defaults below, for every start

  DevServer() { start(); }
  explicit DevServer(std::map<std::string, std::string> extra) : extra_env(std::move(extra)) { start(); }
  void start() {
    std::map<std::string, std::string> env{{"REGENT_DATA_DIR", dir.path()},
                                           {"REGENT_PG_URL", db.url()},
                                           {"REGENT_HTTP_PORT", "0"},
                                           {"REGENT_KAFKA_PARTITIONS", std::to_string(kPartitions)},
                                           {"REGENT_BOOTSTRAP_EMAIL", kRootEmail},
                                           {"REGENT_BOOTSTRAP_PASSWORD", kRootPassword}};
    for (const auto& [k, v] : kGenerousLimits) env[k] = v;
    for (const auto& [k, v] : extra_env) env[k] = v;
    proc = std::make_unique<RegentProcess>(std::vector<std::string>{"dev"}, env, dir.path() + "/regent.log");
  }
  int port() const { return proc->port(); }
  // What `regent projections ...` and other commands run beside it need: its database, its log
  // and its master key file.
  std::map<std::string, std::string> cli_env() const {
    return {{"REGENT_PG_URL", db.url()}, {"REGENT_KAFKA_BROKERS", proc->kafka()}, {"REGENT_MASTER_KEY_FILE", dir.path() + "/master.key"}};
  }

  // The end offset of each of the topic's partitions, read from the embedded broker.
  std::vector<int64_t> log_ends() const {
    events::LogReader reader(proc->kafka(), "regent.events");
    std::vector<int64_t> ends;
    for (int p = 0; p < kPartitions; ++p) ends.push_back(reader.end_offset(p, std::chrono::seconds(5)));
    return ends;
  }
  static constexpr int kPartitions = 3;
};

// A `regent dev` of the test's own on the Postgres at `pg_url` (a PrivatePostgres, which the test
// stops and restarts), with its data in `dir`.
inline std::unique_ptr<RegentProcess> dev_on(const std::string& pg_url, const TempDir& dir) {
  return std::make_unique<RegentProcess>(std::vector<std::string>{"dev"},
                                         std::map<std::string, std::string>{
                                             {"REGENT_DATA_DIR", dir.path()},
                                             {"REGENT_PG_URL", pg_url},
                                             {"REGENT_HTTP_PORT", "0"},
                                             {"REGENT_KAFKA_PARTITIONS", "3"},
                                             {"REGENT_BOOTSTRAP_EMAIL", kRootEmail},
                                             {"REGENT_BOOTSTRAP_PASSWORD", kRootPassword}},
                                         dir.path() + "/regent.log");
}

// The names of every read model there is.
inline std::vector<std::string> projection_names() {
  std::vector<std::string> names;
  for (const auto& p : regent::projections::all_projections()) names.push_back(p->name());
  return names;
}

// Every event in the dev server's log, as the JSON each record holds, partition by partition.
inline std::vector<std::string> all_events(const DevServer& dev) {
  regent::events::LogReader reader(dev.proc->kafka(), "regent.events");
  std::map<int32_t, int64_t> from;
  auto ends = dev.log_ends();
  int64_t total = 0;
  for (int i = 0; i < DevServer::kPartitions; ++i) from[i] = 0, total += ends[i];
  reader.assign(from);
  std::vector<std::string> out;
  REQUIRE(eventually([&] {
    for (auto& m : reader.poll(1000, std::chrono::milliseconds(100))) out.push_back(m.value);
    return static_cast<int64_t>(out.size()) >= total;
  }));
  return out;
}

// Every record of `partition`, from offset zero to its end now, with the verdict of the fence that
// every reader applies (events/fence.hpp), and the fence as the last record left it.
struct Judged {
  regent::events::Envelope event;
  regent::events::Verdict verdict;
};
struct FencedLog {
  std::vector<Judged> records;
  regent::events::FenceState fence;
};
inline FencedLog read_through_fence(const std::string& brokers, int partition) {
  regent::events::LogReader reader(brokers, "regent.events");
  int64_t end = reader.end_offset(partition, std::chrono::seconds(5));
  reader.assign({{partition, 0}});
  FencedLog out;
  int64_t next = 0;
  REQUIRE(eventually([&] {
    for (const auto& m : reader.poll(1000, std::chrono::milliseconds(200))) {
      next = m.offset + 1;
      auto e = regent::events::parse_envelope(m.value);
      REQUIRE(e);
      auto verdict = regent::events::admit(out.fence, *e);
      out.records.push_back({std::move(*e), verdict});
    }
    return next >= end;
  }));
  return out;
}

// A shell command's exit status and what it printed (standard error too).
inline std::pair<int, std::string> shell(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[65536];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline std::string event_field(const std::string& event, std::string_view key) {
  auto doc = regent::core::JsonDocument::parse(event);
  return std::string(regent::core::get_string(doc->root(), key).value_or(""));
}

// The settings of `regent serve` and `regent worker projections` processes sharing a Kafka cluster
// hosted by the test: any port, open sign-up, the test's super_admin, a short group session.
inline std::map<std::string, std::string> cluster_env(const std::string& brokers, int partitions,
                                                      const std::string& pg_url) {
  std::map<std::string, std::string> env{{"REGENT_KAFKA_BROKERS", brokers},
          {"REGENT_KAFKA_PARTITIONS", std::to_string(partitions)},
          {"REGENT_KAFKA_TIMEOUT", "2s"},
          {"REGENT_WRITER_SESSION_TIMEOUT", "4s"},
          {"REGENT_PG_URL", pg_url},
          {"REGENT_HTTP_PORT", "0"},
          {"REGENT_JWT_SECRET", std::string(40, 'k')},
          {"REGENT_OPEN_SIGNUP", "1"},
          {"REGENT_BOOTSTRAP_EMAIL", kRootEmail},
          {"REGENT_BOOTSTRAP_PASSWORD", kRootPassword}};
  env.insert(kGenerousLimits.begin(), kGenerousLimits.end());
  return env;
}

inline std::string signup_body(const std::string& slug, const std::string& email) {
  return R"({"name":"Tenant )" + slug + R"(","slug":")" + slug + R"(","admin":{"email":")" + email +
         R"(","password":")" + kPassword + R"(","full_name":"Admin of )" + slug + R"("}})";
}

inline HttpResponse signup(int port, const std::string& slug, const std::string& email) {
  auto r = post(port, "/v1/tenants", signup_body(slug, email));
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return r;
}

inline std::string login(int port, const std::string& slug, const std::string& email,
                         const std::string& password = kPassword) {
  auto r = post(port, "/v1/auth/login",
                R"({"tenant":")" + slug + R"(","email":")" + email + R"(","password":")" + password + R"("})");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return r.str("access_token");
}

inline std::string user_body(const std::string& email, const std::string& roles = R"(["viewer"])") {
  return R"({"email":")" + email + R"(","full_name":"User )" + email + R"(","password":")" + kPassword +
         R"(","roles":)" + roles + "}";
}

// Creates `n` users named <prefix><i>@<domain>; returns the Regent-Position of the last one.
inline std::string create_users(int port, const std::string& token, const std::string& prefix,
                                const std::string& domain, int n) {
  std::string position;
  for (int i = 0; i < n; ++i) {
    auto r = post(port, "/v1/users", user_body(prefix + std::to_string(i) + "@" + domain, i % 2 ? R"(["analyst"])" : R"(["viewer"])"), token);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    position = r.header("regent-position");
  }
  return position;
}

// The sum of the partitions' end offsets: it moves iff something was appended.
inline int64_t log_end(const DevServer& dev) {
  auto ends = dev.log_ends();
  return std::accumulate(ends.begin(), ends.end(), int64_t{0});
}

// Fires `n` requests at once (each on its own thread and connection) and returns their answers.
template <class Send>
std::vector<HttpResponse> all_at_once(int n, Send send) {
  std::mutex mu;
  std::vector<HttpResponse> out;
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      auto r = send(i);
      std::lock_guard lock(mu);
      out.push_back(std::move(r));
    });
  for (auto& t : threads) t.join();
  return out;
}

inline int count_status(const std::vector<HttpResponse>& rs, int status) {
  return static_cast<int>(std::count_if(rs.begin(), rs.end(), [&](const HttpResponse& r) { return r.status == status; }));
}

// The value of one series (name and labels, as written) in a server's /metrics; 0 when absent.
inline double metric(int port, const std::string& series) {
  auto body = get(port, "/metrics").body;
  auto at = body.find("\n" + series + " ");
  return at == std::string::npos ? 0 : std::stod(body.substr(at + series.size() + 2));
}

inline void check_problem(const HttpResponse& r, int status, const std::string& code) {
  CAPTURE(r.body);
  CHECK(r.status == status);
  CHECK(r.header("content-type") == "application/problem+json");
  CHECK(r.str("code") == code);
  CHECK(r.str("type") == "/problems/" + code);
  CHECK_FALSE(r.str("title").empty());
  CHECK(r.str("request_id") == r.header("request-id"));
}

inline std::vector<std::string> error_fields(const HttpResponse& r) {
  std::vector<std::string> out;
  auto doc = r.json();
  simdjson::dom::array errors;
  if (doc && doc->root()["errors"].get(errors) == simdjson::SUCCESS)
    for (auto e : errors) out.emplace_back(regent::core::get_string(e, "field").value_or(""));
  return out;
}

// A number field of a JSON body, by a path of keys ("wallets", "total_balance").
inline int64_t json_int(const HttpResponse& r, std::initializer_list<std::string_view> path) {
  auto doc = r.json();
  REQUIRE_MESSAGE(doc, r.body);
  simdjson::dom::element e = doc->root();
  for (auto key : path) {
    std::string where = std::string(key) + " in " + r.body;
    REQUIRE_MESSAGE(e[key].get(e) == simdjson::SUCCESS, where);
  }
  int64_t v = 0;
  if (e.get(v) != simdjson::SUCCESS) {
    double d = 0;
    REQUIRE_MESSAGE(e.get(d) == simdjson::SUCCESS, r.body);
    v = static_cast<int64_t>(d);
  }
  return v;
}

// A tenant signed up through the API, with its admin signed in, and the helpers the money tests
// use. `position` follows the last successful command, for read-your-writes.
struct Tenant {
  int port = 0;
  std::string slug;
  std::string id;
  std::string admin_id;
  std::string admin;  // token
  std::string position;

  Tenant(int p, std::string s) : port(p), slug(std::move(s)) {
    auto created = signup(port, slug, admin_email());
    auto doc = created.json();
    id = std::string(regent::core::get_string(doc->root()["tenant"].value(), "id").value());
    admin_id = std::string(regent::core::get_string(doc->root()["admin_user"].value(), "id").value());
    admin = login(port, slug, admin_email());
    position = created.header("regent-position");
  }
  std::string admin_email() const { return "admin@" + slug + ".test"; }
  // After a restart: the server's new port, and a new token.
  void sign_in_again(int new_port) {
    port = new_port;
    admin = login(port, slug, admin_email());
  }

  // Creates a user and returns its id.
  std::string add_user(const std::string& name, const std::string& roles = R"(["viewer"])", const std::string& parent = "") {
    std::string body = user_body(name + "@" + slug + ".test", roles);
    if (!parent.empty()) body.insert(body.size() - 1, R"(,"parent_user_id":")" + parent + "\"");
    auto r = post(port, "/v1/users", body, admin);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    position = r.header("regent-position");
    return r.str("id");
  }
  std::string token_of(const std::string& name) { return login(port, slug, name + "@" + slug + ".test"); }

  HttpResponse credit(const std::string& user, const std::string& amount, const std::string& token = "") {
    return track(post(port, "/v1/users/" + user + "/wallet/credits", R"({"amount":)" + amount + "}",
                      token.empty() ? admin : token));
  }
  HttpResponse debit(const std::string& user, const std::string& amount, const std::string& token = "") {
    return track(post(port, "/v1/users/" + user + "/wallet/debits", R"({"amount":)" + amount + "}",
                      token.empty() ? admin : token));
  }
  HttpResponse activity(const std::string& type, const std::string& token, const std::string& user = "") {
    std::string body = R"({"type":")" + type + "\"" + (user.empty() ? "" : R"(,"user_id":")" + user + "\"") + "}";
    return track(post(port, "/v1/activities", body, token));
  }
  HttpResponse read(const std::string& target, const std::string& token = "") {
    return get(port, target, token.empty() ? admin : token, {{"Regent-Min-Position", position}});
  }
  HttpResponse track(HttpResponse r) {
    if (r.status / 100 == 2) position = r.header("regent-position");
    return r;
  }
};

}  // namespace regent::test
