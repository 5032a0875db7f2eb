#pragma once
// Configuration shared by every role: REGENT_* environment variables, each with a matching flag
// (--http-port for REGENT_HTTP_PORT). Flags win over the environment, which wins over defaults.
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace regent::core {

enum class Role { serve, worker_projections, worker_scheduler, dev, migrate };

struct Config {
  std::string http_addr = "127.0.0.1";
  int http_port = 8080;
  std::string data_dir = "./.regent";
  std::string kafka_brokers;  // "embedded" runs librdkafka's mock cluster in-process
  std::string kafka_topic = "regent.events";
  int kafka_partitions = 6;
  int kafka_replication = 1;
  int kafka_min_insync = 0;  // the least min.insync.replicas accepted; 0: 2 at a replication factor of 3 or more, else 1
  bool kafka_history_archived = false;  // finite retention or compaction accepted: the history is kept elsewhere
  int64_t kafka_timeout_ms = 5000;
  std::string pg_url = "postgresql://regent@127.0.0.1:54329/regent";
  int pg_pool_size = 8;
  int pg_query_connections = 0;  // core::PgQueries; 0: one per two cores, at least one
  int pg_query_queue = 4096;
  std::string bootstrap_email;
  std::string bootstrap_password;
  bool open_signup = false;
  std::string log_level = "info";
  std::string log_format = "json";
  int64_t consistency_timeout_ms = 5000;
  // Token buckets (N/s, N/min, N/h; 0: no limit), per process: docs/authentication.md.
  std::string signin_limit_per_account = "10/min";
  std::string signin_limit_per_ip = "100/min";
  std::string signup_limit_per_ip = "20/h";
  std::string refresh_limit_per_ip = "60/min";
  std::string jwt_secret;  // the server's secret (keyed hashes, forwarding), and the HS256 key without jwt_keys
  std::string jwt_keys;    // kid:HS256:secret or kid:EdDSA:/path.pem, comma-separated; the first signs
  std::string api_key_pepper;  // API keys' hashes; empty: derived from jwt_secret
  std::string blind_index_key;  // emails' blind indexes (core/blind_index.hpp); empty: derived from jwt_secret
  std::string jwt_issuer = "regent";
  int64_t access_token_ttl_s = 900;
  int64_t refresh_token_ttl_ms = 30LL * 24 * 3600 * 1000;  // a sign-in's refresh tokens work this long
  int embedded_log_memory = 4 << 20;  // bytes of each partition's newest records `dev` keeps in memory
  int snapshot_every = 1000;  // the least events between two snapshots of a partition; 0 turns them off
  int handler_threads = 64;  // for handlers that block: queries, password hashing, forwarding
  int64_t max_body_bytes = 1 << 20;
  // Several `serve` instances: where the others reach this one, and how soon the group notices one
  // is gone. Empty: http://<REGENT_HTTP_ADDR>:<port> (the host name when listening on all addresses).
  std::string advertised_url;
  int64_t writer_session_timeout_ms = 6000;
  // The scheduler: where it sends its commands (any serve instances, comma-separated; `dev` uses
  // its own), and how often it looks for what is due.
  std::string api_url;
  int64_t scheduler_interval_ms = 15000;
  // Audit entries older than this many days are deleted by the scheduler; 0 keeps every one.
  int audit_retention_days = 0;
  // The master keys that wrap users' data keys (core/master_keys.hpp); empty: <data_dir>/master.key.
  std::string master_key_file;
  std::string master_key_path() const { return master_key_file.empty() ? data_dir + "/master.key" : master_key_file; }
};

struct ParsedArgs {
  Config config;
  bool help = false;
};

// Reads the environment and `args` (the words after the role) for `role`.
Result<ParsedArgs> parse_config(Role role, const std::vector<std::string>& args);

// The --help text for `role`: every option, its variable, its default.
std::string config_help(Role role);

// "250ms", "5s", "2m", "1h" -> milliseconds.
Result<int64_t> parse_duration_ms(std::string_view text);

}  // namespace regent::core
