#pragma once
// The API process: event log, command processor, read-model access and the HTTP server, started
// in order and stopped in reverse. `dev` adds the projection engine in the same process and writes
// to every partition of its embedded log; `serve` joins the writers' group, which decides the
// partitions it writes to, and forwards requests for the others to their owners.
#include <memory>
#include <semaphore>

#include "core/config.hpp"

namespace regent::core {
class DataKeys;
class MasterKeys;
class PgPool;
class PgQueries;
}
namespace regent::events {
class EventLog;
class Membership;
}
namespace regent::commands {
class Processor;
class SnapshotStore;
}  // namespace regent::commands
namespace regent::projections {
class CheckpointWatcher;
class Engine;
}  // namespace regent::projections
namespace regent::api {
class Forwarder;
class HttpServer;
class JwtKeys;
class VerifiedTokens;
struct RateLimits;
struct Services;
}  // namespace regent::api

namespace regent::workers {

class Scheduler;

class ServerApp {
 public:
  ServerApp(core::Config config, bool with_projections);
  ~ServerApp();

  void start();  // throws when a dependency cannot be reached
  void stop();   // graceful: in-flight requests finish, the producer flushes, projections commit
  const std::string& kafka_bootstrap() const;
  int http_port() const;

 private:
  void check_bootstrap_settings() const;
  void bootstrap_super_admin();
  void join_writers();
  void open_master_keys();
  void check_blind_index_key() const;
  std::string advertised_url() const;
  core::Config config_;
  bool with_projections_;
  std::unique_ptr<api::JwtKeys> jwt_keys_;
  std::unique_ptr<api::VerifiedTokens> verified_tokens_;
  std::unique_ptr<api::RateLimits> limits_;
  std::shared_ptr<const core::MasterKeys> master_keys_;
  std::unique_ptr<core::DataKeys> data_keys_;
  std::unique_ptr<events::EventLog> log_;
  std::unique_ptr<commands::SnapshotStore> snapshots_;
  std::unique_ptr<commands::Processor> processor_;
  std::unique_ptr<core::PgPool> pg_;
  std::unique_ptr<core::PgQueries> queries_;
  std::unique_ptr<projections::CheckpointWatcher> watcher_;
  std::unique_ptr<projections::Engine> engine_;
  std::counting_semaphore<64> hashing_slots_;  // one argon2id hash per core at a time
  std::unique_ptr<api::Forwarder> forwarder_;
  std::unique_ptr<api::Services> services_;
  std::unique_ptr<events::Membership> membership_;
  std::unique_ptr<api::HttpServer> server_;
  std::unique_ptr<Scheduler> scheduler_;  // dev only: `serve` leaves it to `regent worker scheduler`
};

// The master key ring of REGENT_MASTER_KEY_FILE. `create` (dev): made the first time, unless data
// keys are stored already (a lost file is never replaced). Throws core::MasterKeyError, saying
// what to do, when it cannot be read.
std::shared_ptr<const core::MasterKeys> open_master_key_file(const core::Config& config, bool create);

// A name for this process unique in a cluster (host, pid, random): its writer id, its group member.
std::string new_instance_id();

}  // namespace regent::workers
