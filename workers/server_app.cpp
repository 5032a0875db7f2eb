#include "workers/server_app.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <pqxx/pqxx>
#include <thread>

#include "api/api_keys.hpp"
#include "core/blind_index.hpp"
#include "core/crypto.hpp"
#include "core/data_keys.hpp"
#include "core/master_keys.hpp"
#include "api/forwarder.hpp"
#include "api/http_server.hpp"
#include "api/jwt.hpp"
#include "api/verified_tokens.hpp"
#include "api/queries.hpp"
#include "api/rate_limits.hpp"
#include "api/router.hpp"
#include "api/services.hpp"
#include "commands/processor.hpp"
#include "commands/snapshot_store.hpp"
#include "commands/validation.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/password.hpp"
#include "core/pg_pool.hpp"
#include "core/pg_queries.hpp"
#include "events/event_log.hpp"
#include "events/membership.hpp"
#include "projections/checkpoints.hpp"
#include "projections/engine.hpp"
#include "projections/migrations.hpp"
#include "projections/read_models.hpp"
#include "workers/scheduler.hpp"

namespace regent::workers {
namespace {
const core::Logger logger("workers");
}

std::shared_ptr<const core::MasterKeys> open_master_key_file(const core::Config& config, bool create) {
  std::string path = config.master_key_path();
  if (std::filesystem::exists(path) || !create) return core::FileMasterKeys::load(path);  // throws, saying what to do
  pqxx::connection conn(config.pg_url);
  auto stored = pqxx::nontransaction(conn).exec("SELECT count(*) FROM personal_data_keys WHERE wrapped IS NOT NULL");
  // Data keys without their master key: never a new file over the loss.
  if (stored[0][0].as<int64_t>() > 0) core::FileMasterKeys::load(path);  // throws, saying what to do
  auto ring = core::FileMasterKeys::create(path);
  logger.info("created the master key file; keep a copy of it apart from the database's backups", {{"path", path}});
  return ring;
}

std::string new_instance_id() {
  char host[64] = {0};
  gethostname(host, sizeof host - 1);
  return std::string(host) + "-" + std::to_string(getpid()) + "-" + core::random_token(4);
}

ServerApp::ServerApp(core::Config config, bool with_projections)
    : config_(std::move(config)),
      with_projections_(with_projections),
      hashing_slots_(std::clamp<std::ptrdiff_t>(std::thread::hardware_concurrency(), 1, 64)) {
  // Derived once here, not on every request that presents a key.
  if (config_.api_key_pepper.empty()) config_.api_key_pepper = api::derived_api_key_pepper(config_.jwt_secret);
  // Before any state is built: the command side finds emails by their blind index.
  core::set_blind_index_key(config_.blind_index_key.empty()
                                ? core::hmac_sha256(config_.jwt_secret, "regent blind index key v1")
                                : config_.blind_index_key);
}

ServerApp::~ServerApp() { stop(); }

const std::string& ServerApp::kafka_bootstrap() const { return log_->brokers(); }
int ServerApp::http_port() const { return server_ ? server_->port() : 0; }

void ServerApp::start() {
  auto keys = api::JwtKeys::parse(config_.jwt_keys, config_.jwt_secret);
  if (!keys) throw std::runtime_error(keys.error().detail);
  jwt_keys_ = std::make_unique<api::JwtKeys>(std::move(keys.value()));
  limits_ = std::make_unique<api::RateLimits>(config_);
  projections::migrate(config_.pg_url);
  check_blind_index_key();
  open_master_keys();
  log_ = std::make_unique<events::EventLog>(config_);
  commands::ProcessorOptions processing;
  if (config_.snapshot_every > 0) {
    snapshots_ = std::make_unique<commands::SnapshotStore>(config_.pg_url, config_.kafka_topic);
    processing.snapshots = snapshots_.get();
    processing.snapshot_every = config_.snapshot_every;
  }
  check_bootstrap_settings();
  processing.data_key = [keys = data_keys_.get()](const std::string& user) { return keys->cached(user); };
  processor_ = std::make_unique<commands::Processor>(*log_, new_instance_id(), processing);
  processor_->start();
  bool embedded = config_.kafka_brokers == "embedded";

  pg_ = std::make_unique<core::PgPool>(config_.pg_url, static_cast<size_t>(config_.pg_pool_size));
  core::PgQueries::Options query_options;
  // One connection per two cores by default: measured on two cores, one pipelined connection
  // answered 22-24k reads/s, two 18k, four 13-14k (bench/README.md).
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  query_options.connections = config_.pg_query_connections > 0 ? static_cast<size_t>(config_.pg_query_connections)
                                                                : std::max<size_t>(1, cores / 2);
  query_options.max_waiting = static_cast<size_t>(config_.pg_query_queue);
  queries_ = std::make_unique<core::PgQueries>(config_.pg_url, api::query_statements(), query_options);
  watcher_ = std::make_unique<projections::CheckpointWatcher>(config_.pg_url);
  watcher_->start();
  if (with_projections_) {
    projections::EngineOptions options;
    options.runners.where = {config_.pg_url, log_->brokers(), log_->topic(), log_->partitions(), log_->history(),
                             master_keys_};
    engine_ = std::make_unique<projections::Engine>(options, projections::all_projections());
    engine_->start();
  }
  // Ready to write: the log answers and, with several instances, the group has answered too.
  auto reachable = [this] { return log_->reachable(1000) && (!membership_ || membership_->joined()); };
  if (!embedded)
    forwarder_ = std::make_unique<api::Forwarder>(config_.jwt_secret,
                                                  std::chrono::milliseconds(config_.kafka_timeout_ms + 5000));
  verified_tokens_ = std::make_unique<api::VerifiedTokens>();
  services_ = std::make_unique<api::Services>(
      api::Services{config_, *jwt_keys_, *processor_, *pg_, *queries_, *watcher_, reachable, hashing_slots_, forwarder_.get(),
                    limits_.get(), verified_tokens_.get(), data_keys_.get()});
  auto router = std::make_shared<api::Router>(api::all_routes());
  api::ServerOptions opts;
  opts.address = config_.http_addr;
  opts.port = config_.http_port;
  opts.handler_threads = config_.handler_threads;
  opts.max_body_bytes = config_.max_body_bytes;
  server_ = std::make_unique<api::HttpServer>(
      opts, [router, svc = services_.get()](api::Request& req) { return router->dispatch(req, *svc); });
  server_->start();
  processor_->set_url(advertised_url());
  if (embedded) {
    processor_->acquire_all();  // the embedded log lives in this process: nobody else writes to it
    bootstrap_super_admin();
  } else {
    join_writers();
  }
  if (with_projections_) {
    // `dev` schedules too, through its own API like `regent worker scheduler` through serve's.
    std::string host = config_.http_addr;
    if (host.empty() || host == "0.0.0.0" || host == "::") host = "127.0.0.1";
    else if (host.find(':') != std::string::npos) host = "[" + host + "]";
    auto urls = split_urls(config_.api_url);
    if (urls.empty()) urls.push_back("http://" + host + ":" + std::to_string(server_->port()));
    SchedulerOptions options{config_.pg_url, urls, config_.jwt_secret, std::chrono::milliseconds(config_.scheduler_interval_ms)};
    options.audit_retention_days = config_.audit_retention_days;
    scheduler_ = std::make_unique<Scheduler>(std::move(options));
    scheduler_->start();
  }
  logger.info("serving", {{"address", config_.http_addr}, {"port", server_->port()}});
}

void ServerApp::stop() {
  if (scheduler_) scheduler_->stop();
  if (server_) server_->shutdown(std::chrono::seconds(10));
  server_.reset();
  // Leaving the group hands the partitions over at once, rather than after a session timeout.
  if (membership_) membership_->stop();
  membership_.reset();
  if (processor_) processor_->stop();
  if (log_) log_->flush(static_cast<int>(config_.kafka_timeout_ms));
  if (engine_) engine_->stop();
  engine_.reset();
  if (watcher_) watcher_->stop();
}

// The master keys, read at start: `dev` makes its file the first time; any other role needs the
// file it was given (every instance the same, made once with `regent keys create`), and any role
// whose stored data keys need a master key it cannot read stops here, saying so, rather than read
// users as erased.
void ServerApp::open_master_keys() {
  master_keys_ = open_master_key_file(config_, with_projections_);
  data_keys_ = std::make_unique<core::DataKeys>(config_.pg_url, master_keys_);
  data_keys_->check_ring();
}

// The blind index key is recorded (as a fingerprint) by the first process to start on the
// database; one started with another key would find no stored email, and let every one be taken
// again: it stops instead.
void ServerApp::check_blind_index_key() const {
  pqxx::connection conn(config_.pg_url);
  pqxx::work tx(conn);
  tx.exec_params("INSERT INTO server_key_fingerprints (name, fingerprint) VALUES ('blind_index', $1) ON CONFLICT DO NOTHING",
                 core::blind_index_fingerprint());
  auto recorded = tx.exec1("SELECT fingerprint FROM server_key_fingerprints WHERE name = 'blind_index'")[0].as<std::string>();
  tx.commit();
  if (recorded != core::blind_index_fingerprint())
    throw std::runtime_error(
        "the blind index key is not the one this database's emails were indexed under: REGENT_BLIND_INDEX_KEY (or, "
        "when it is unset, REGENT_JWT_SECRET, which it is derived from) changed. With another key no stored email "
        "would be found, and every one could be taken again. Start with the original key (docs/personal-data.md)");
}

std::string ServerApp::advertised_url() const {
  if (!config_.advertised_url.empty()) return config_.advertised_url;
  std::string host = config_.http_addr;
  if (host == "0.0.0.0" || host == "::" || host.empty()) {
    char name[256] = {0};
    gethostname(name, sizeof name - 1);
    host = name;
  } else if (host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  return "http://" + host + ":" + std::to_string(server_->port());
}

// The group assigns partitions; each one is claimed through the log before anything is decided on
// it. The instance that gets the system tenant's partition creates the first super_admin if the
// log has none.
void ServerApp::join_writers() {
  int32_t system = processor_->partition_of_slug("system");
  events::MembershipOptions options{log_->brokers(), log_->topic(), log_->topic() + ".writers",
                                    processor_->writer_id(), std::chrono::milliseconds(config_.writer_session_timeout_ms)};
  membership_ = std::make_unique<events::Membership>(
      options,
      [this, system](const events::Membership::Partitions& ps) {
        processor_->acquire(ps);
        if (std::find(ps.begin(), ps.end(), system) == ps.end()) return;
        try {
          bootstrap_super_admin();
        } catch (const std::exception& ex) {
          logger.error("creating the super_admin failed", {{"error", ex.what()}});
        }
      },
      [this](const events::Membership::Partitions& ps) { processor_->release(ps); });
  membership_->start();
  // Not ready before the group answers: the first join of a group takes a few seconds.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!membership_->joined() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!membership_->joined()) logger.warn("the writers' group has not answered yet; /readyz says so until it does");
  processor_->wait_claimed(std::chrono::seconds(10));
}

void ServerApp::check_bootstrap_settings() const {
  if (config_.bootstrap_email.empty() && config_.bootstrap_password.empty()) return;
  if (!commands::valid_email(config_.bootstrap_email) || config_.bootstrap_password.size() < 12 ||
      config_.bootstrap_password.size() > 128)
    throw std::runtime_error("REGENT_BOOTSTRAP_EMAIL must be an email and REGENT_BOOTSTRAP_PASSWORD 12..128 characters");
}

// Runs where the system tenant's partition is written to, once claimed.
void ServerApp::bootstrap_super_admin() {
  const std::string slug = "system";
  int32_t partition = processor_->partition_of_slug(slug);
  processor_->wait_claimed(std::chrono::seconds(30));
  bool exists = false;
  processor_->read(partition, [&](const commands::PartitionState& s) { exists = s.tenant_by(slug) != nullptr; });
  if (exists) return;
  if (config_.bootstrap_email.empty() || config_.bootstrap_password.empty()) {
    logger.warn("no system tenant yet and no REGENT_BOOTSTRAP_EMAIL/PASSWORD: no super_admin was created");
    return;
  }
  commands::CreateTenant cmd;
  cmd.tenant_id = processor_->new_tenant_id(slug);
  cmd.admin_id = core::UserId{core::uuid_v7()};
  cmd.name = "System";
  cmd.slug = slug;
  cmd.admin_email = config_.bootstrap_email;
  cmd.admin_full_name = "Super Admin";
  cmd.admin_password_hash = core::hash_password(config_.bootstrap_password);
  cmd.admin_roles = {"super_admin"};
  data_keys_->key_for(cmd.tenant_id, cmd.admin_id);  // at hand for the writer, which seals under it
  commands::Context ctx;
  ctx.request_id = "bootstrap";
  ctx.now = core::now_millis();
  auto done = processor_->submit(partition, cmd, ctx);
  if (!done) throw std::runtime_error("bootstrap failed: " + done.error().detail);
  logger.info("system tenant and super_admin created", {{"tenant_id", cmd.tenant_id.value}});
}

}  // namespace regent::workers
