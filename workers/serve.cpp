#include <filesystem>
#include <fstream>
#include <iostream>

#include <boost/json/object.hpp>

#include "api/jwt.hpp"
#include "core/crypto.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "workers/roles.hpp"
#include "workers/server_app.hpp"
#include "workers/signals.hpp"

namespace regent::workers {
namespace {
const core::Logger logger("workers");
namespace fs = std::filesystem;

// Reads a secret kept in the data directory, or makes and keeps one (mode 0600).
std::string kept_secret(const fs::path& file, const std::function<std::string()>& make) {
  if (fs::exists(file)) {
    std::ifstream in(file);
    std::string s;
    std::getline(in, s);
    if (!s.empty()) return s;
  }
  std::string s = make();
  {
    std::ofstream out(file, std::ios::trunc);
    out << s << "\n";
  }
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  return s;
}

int serve_until_signal(ServerApp& app) {
  int sig = wait_for_stop_signal();
  logger.info("stopping", {{"signal", sig}});
  app.stop();
  logger.info("stopped");
  return 0;
}
}  // namespace

int run_serve(const core::Config& config) {
  if (config.kafka_brokers.empty()) {
    logger.error("REGENT_KAFKA_BROKERS is required (host:port,..., or `embedded` with `regent dev`)");
    return 2;
  }
  if (config.jwt_secret.size() < 32) {
    logger.error("REGENT_JWT_SECRET is required: at least 32 characters, the same on every instance");
    return 2;
  }
  if (!config.api_key_pepper.empty() && config.api_key_pepper.size() < 32) {
    logger.error("REGENT_API_KEY_PEPPER must be at least 32 characters, the same on every instance");
    return 2;
  }
  if (auto keys = api::JwtKeys::parse(config.jwt_keys, config.jwt_secret); !keys) {
    logger.error(keys.error().detail);
    return 2;
  }
  if (!config.advertised_url.empty() &&
      (config.advertised_url.rfind("http://", 0) != 0 || config.advertised_url.find(':', 7) == std::string::npos)) {
    logger.error("REGENT_ADVERTISED_URL must be http://<host>:<port>, where the other instances reach this one");
    return 2;
  }
  ServerApp app(config, false);
  app.start();
  std::cout << "regent listening on http://" << config.http_addr << ":" << app.http_port() << std::endl;
  return serve_until_signal(app);
}

int run_dev(core::Config config) {
  fs::create_directories(config.data_dir);
  fs::path dir(config.data_dir);
  if (config.jwt_secret.empty())
    config.jwt_secret = kept_secret(dir / "jwt.key", [] { return core::random_token(32); });
  bool generated_admin = config.bootstrap_email.empty();
  if (generated_admin) {
    config.bootstrap_email = "admin@regent.local";
    config.bootstrap_password = kept_secret(dir / "bootstrap-password", [] { return core::random_token(18); });
  }
  ServerApp app(config, true);
  app.start();
  // The one place a password is printed: the developer's own terminal, for the embedded setup.
  std::cout << "kafka (embedded mock cluster): " << app.kafka_bootstrap() << "\n"
            << "super_admin: tenant=system email=" << config.bootstrap_email;
  if (generated_admin) std::cout << " password=" << config.bootstrap_password;
  std::cout << "\nregent listening on http://" << config.http_addr << ":" << app.http_port() << std::endl;
  return serve_until_signal(app);
}

}  // namespace regent::workers
