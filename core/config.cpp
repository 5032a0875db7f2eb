#include "core/config.hpp"

#include "core/rate_limit.hpp"

#include <charconv>
#include <cstdlib>
#include <functional>
#include <sstream>

namespace regent::core {
namespace {

using Setter = std::function<Result<bool>(Config&, const std::string&)>;

struct Option {
  const char* env;
  const char* help;
  Setter set;
  std::function<std::string(const Config&)> show;
};

Result<bool> set_int(int& out, const std::string& v, int lo, int hi) {
  int x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc{} || p != v.data() + v.size() || x < lo || x > hi)
    return make_error(errc::validation_failed,
                      "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  out = x;
  return true;
}

Result<bool> set_bool(bool& out, const std::string& v) {
  if (v == "1" || v == "true" || v == "yes") return out = true;
  if (v == "0" || v == "false" || v == "no") return out = false, true;
  return make_error(errc::validation_failed, "expected 0 or 1");
}

Result<bool> set_duration(int64_t& out, const std::string& v) {
  auto d = parse_duration_ms(v);
  if (!d) return d.error();
  out = d.value();
  return true;
}

#define REGENT_STR(field) \
  [](Config& c, const std::string& v) -> Result<bool> { c.field = v; return true; }, \
  [](const Config& c) { return c.field; }
#define REGENT_SECRET(field) \
  [](Config& c, const std::string& v) -> Result<bool> { c.field = v; return true; }, \
  [](const Config& c) { return c.field.empty() ? std::string() : std::string("(set)"); }
#define REGENT_INT(field, lo, hi) \
  [](Config& c, const std::string& v) { return set_int(c.field, v, lo, hi); }, \
  [](const Config& c) { return std::to_string(c.field); }
#define REGENT_BOOL(field) \
  [](Config& c, const std::string& v) { return set_bool(c.field, v); }, \
  [](const Config& c) { return std::string(c.field ? "1" : "0"); }
#define REGENT_RATE(field) \
  [](Config& c, const std::string& v) -> Result<bool> { \
    if (auto r = parse_rate(v); !r) return r.error(); \
    c.field = v; \
    return true; \
  }, \
  [](const Config& c) { return c.field; }
#define REGENT_MS(field) \
  [](Config& c, const std::string& v) { return set_duration(c.field, v); }, \
  [](const Config& c) { return std::to_string(c.field) + "ms"; }

const std::vector<Option>& options() {
  static const std::vector<Option> all = {
      {"REGENT_HTTP_ADDR", "address the HTTP server listens on", REGENT_STR(http_addr)},
      {"REGENT_HTTP_PORT", "port the HTTP server listens on", REGENT_INT(http_port, 0, 65535)},
      {"REGENT_DATA_DIR", "local state: the embedded log, the local Postgres, generated secrets",
       REGENT_STR(data_dir)},
      {"REGENT_KAFKA_BROKERS", "bootstrap servers (host:port,...), or `embedded`",
       REGENT_STR(kafka_brokers)},
      {"REGENT_KAFKA_TOPIC", "the event topic", REGENT_STR(kafka_topic)},
      {"REGENT_KAFKA_PARTITIONS", "partitions of the event topic when Regent creates it",
       REGENT_INT(kafka_partitions, 1, 1024)},
      {"REGENT_KAFKA_REPLICATION", "replication factor of the event topic when Regent creates it",
       REGENT_INT(kafka_replication, 1, 16)},
      {"REGENT_KAFKA_MIN_INSYNC_REPLICAS",
       "the least min.insync.replicas the event topic may have (0: 2 when the replication factor is 3 or more, else 1)",
       REGENT_INT(kafka_min_insync, 0, 16)},
      {"REGENT_KAFKA_HISTORY_ARCHIVED",
       "1 accepts an event topic with finite retention or compaction, because its history is archived elsewhere "
       "(Regent then cannot rebuild from offset zero what the topic no longer holds)",
       REGENT_BOOL(kafka_history_archived)},
      {"REGENT_KAFKA_TIMEOUT", "how long an append may wait for the broker before failing",
       REGENT_MS(kafka_timeout_ms)},
      {"REGENT_PG_URL", "libpq connection string of the read-model database", REGENT_STR(pg_url)},
      {"REGENT_PG_POOL_SIZE", "Postgres connections per process", REGENT_INT(pg_pool_size, 1, 256)},
      {"REGENT_PG_QUERY_CONNECTIONS", "Postgres connections that carry the API's queries, each carrying many at once (0: one per two cores)",
       REGENT_INT(pg_query_connections, 0, 64)},
      {"REGENT_PG_QUERY_QUEUE", "queries that may wait for a query connection; past it, 503 unavailable at once",
       REGENT_INT(pg_query_queue, 1, 1000000)},
      {"REGENT_BOOTSTRAP_EMAIL", "email of the first super_admin", REGENT_STR(bootstrap_email)},
      {"REGENT_BOOTSTRAP_PASSWORD", "password of the first super_admin",
       REGENT_SECRET(bootstrap_password)},
      {"REGENT_OPEN_SIGNUP", "anyone may POST /v1/tenants (1) or only super_admin (0)",
       REGENT_BOOL(open_signup)},
      {"REGENT_LOG_LEVEL", "debug, info, warn or error", REGENT_STR(log_level)},
      {"REGENT_LOG_FORMAT", "json or text", REGENT_STR(log_format)},
      {"REGENT_SIGNIN_LIMIT_PER_ACCOUNT", "sign-in attempts per account (tenant and email)",
       REGENT_RATE(signin_limit_per_account)},
      {"REGENT_SIGNIN_LIMIT_PER_IP", "sign-in attempts per client address", REGENT_RATE(signin_limit_per_ip)},
      {"REGENT_SIGNUP_LIMIT_PER_IP", "tenant sign-ups (and invitation acceptances) per client address",
       REGENT_RATE(signup_limit_per_ip)},
      {"REGENT_REFRESH_LIMIT_PER_IP", "refresh-token exchanges per client address", REGENT_RATE(refresh_limit_per_ip)},
      {"REGENT_CONSISTENCY_TIMEOUT", "how long a query waits for Regent-Min-Position",
       REGENT_MS(consistency_timeout_ms)},
      {"REGENT_JWT_SECRET", "HS256 key for access tokens (dev keeps a generated one)",
       REGENT_SECRET(jwt_secret)},
      {"REGENT_JWT_KEYS",
       "access tokens' keys, kid:HS256:<32+ character secret> or kid:EdDSA:<path to an Ed25519 PEM>, comma-separated: "
       "the first signs, all verify (empty: REGENT_JWT_SECRET signs, HS256)",
       REGENT_SECRET(jwt_keys)},
      {"REGENT_API_KEY_PEPPER",
       "the secret API keys are hashed (and derived) under, 32+ characters, the same on every instance "
       "(empty: derived from REGENT_JWT_SECRET, so that changing that secret also revokes every key)",
       REGENT_SECRET(api_key_pepper)},
      {"REGENT_JWT_ISSUER", "iss and aud of access tokens", REGENT_STR(jwt_issuer)},
      {"REGENT_EMBEDDED_LOG_MEMORY",
       "bytes of each partition's newest records the embedded log keeps in memory; older ones are read from its file",
       REGENT_INT(embedded_log_memory, 1024, 1 << 30)},
      {"REGENT_REFRESH_TOKEN_TTL", "how long after a sign-in its refresh tokens are accepted",
       REGENT_MS(refresh_token_ttl_ms)},
      {"REGENT_SNAPSHOT_EVERY", "the least events of a partition between two snapshots of its command state; more as the state grows (0: no snapshots)",
       REGENT_INT(snapshot_every, 0, 1000000000)},
      {"REGENT_HANDLER_THREADS", "threads for request handlers that block (queries, password hashing, forwarding); commands wait without one",
       REGENT_INT(handler_threads, 1, 1024)},
      {"REGENT_ADVERTISED_URL", "where other serve instances forward this one's requests (default http://<addr>:<port>)",
       REGENT_STR(advertised_url)},
      {"REGENT_WRITER_SESSION_TIMEOUT", "how long a silent serve instance (or projections worker) keeps its partitions before others take them",
       REGENT_MS(writer_session_timeout_ms)},
      {"REGENT_API_URL", "where the scheduler sends its commands: serve instances' URLs, comma-separated (dev: its own)",
       REGENT_STR(api_url)},
      {"REGENT_BLIND_INDEX_KEY", "key of emails' blind indexes, 32+ characters, never changed (default: derived from REGENT_JWT_SECRET)",
       REGENT_SECRET(blind_index_key)},
      {"REGENT_MASTER_KEY_FILE", "the master keys that wrap users' data keys (default <REGENT_DATA_DIR>/master.key)",
       REGENT_STR(master_key_file)},
      {"REGENT_SCHEDULER_INTERVAL", "how often the scheduler looks for permissions whose expiry has passed",
       REGENT_MS(scheduler_interval_ms)},
      {"REGENT_AUDIT_RETENTION_DAYS", "audit entries older than this many days are deleted by the scheduler (0: every entry is kept)",
       REGENT_INT(audit_retention_days, 0, 1000000)},
  };
  return all;
}

std::string flag_name(const char* env) {
  std::string s = std::string(env).substr(7);  // drop "REGENT_"
  for (auto& ch : s) ch = ch == '_' ? '-' : static_cast<char>(std::tolower(ch));
  return "--" + s;
}

void apply_role_defaults(Role role, Config& c) {
  if (role == Role::dev) {
    c.kafka_brokers = "embedded";
    c.open_signup = true;
    c.scheduler_interval_ms = 5000;  // expiries seen soon on one machine
  }
  if (role == Role::worker_projections) c.http_port = 8081;  // beside a `serve` on 8080
  if (role == Role::worker_scheduler) c.http_port = 8082;
}

}  // namespace

Result<int64_t> parse_duration_ms(std::string_view text) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  std::string_view unit(p, text.data() + text.size() - p);
  if (ec != std::errc{} || n < 0) return make_error(errc::validation_failed, "expected a duration");
  if (unit == "ms") return n;
  if (unit == "s") return n * 1000;
  if (unit == "m" || unit == "min") return n * 60'000;
  if (unit == "h") return n * 3'600'000;
  return make_error(errc::validation_failed, "expected a duration such as 500ms, 5s, 2m or 1h");
}

Result<ParsedArgs> parse_config(Role role, const std::vector<std::string>& args) {
  ParsedArgs out;
  apply_role_defaults(role, out.config);
  for (const auto& opt : options()) {
    if (const char* v = std::getenv(opt.env); v && *v) {
      auto r = opt.set(out.config, v);
      if (!r) return make_error(errc::validation_failed, std::string(opt.env) + ": " + r.error().detail);
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out.help = true;
      continue;
    }
    std::string name = a, value;
    bool has_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    }
    const Option* match = nullptr;
    for (const auto& opt : options())
      if (flag_name(opt.env) == name) match = &opt;
    if (!match) return make_error(errc::validation_failed, "unknown argument " + name);
    if (!has_value) {
      if (i + 1 >= args.size()) return make_error(errc::validation_failed, name + " needs a value");
      value = args[++i];
    }
    auto r = match->set(out.config, value);
    if (!r) return make_error(errc::validation_failed, name + ": " + r.error().detail);
  }
  return out;
}

std::string config_help(Role role) {
  Config defaults;
  apply_role_defaults(role, defaults);
  std::ostringstream os;
  os << "Options (each flag has a matching environment variable; flags win):\n";
  for (const auto& opt : options()) {
    std::string shown = opt.show(defaults);
    os << "  " << flag_name(opt.env) << " <value>  [" << opt.env << "]\n      " << opt.help;
    if (!shown.empty()) os << " (default: " << shown << ")";
    os << "\n";
  }
  return os.str();
}

}  // namespace regent::core
