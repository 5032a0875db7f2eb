// regent: one binary, several roles (DESIGN.md decision 7).
#include <iostream>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/log.hpp"
#include "workers/roles.hpp"
#include "workers/signals.hpp"

namespace {
constexpr const char* kUsage = R"(regent — event-sourced administration backend

Usage:
  regent dev [options]                 everything in one process, on the embedded defaults
  regent serve [options]               the HTTP API and the command processor
  regent worker projections [options]  the projection engine (Postgres read models)
  regent migrate [options]             apply the SQL migrations and exit

Each role accepts --help for its options.
)";

const char* role_summary(regent::core::Role role) {
  using regent::core::Role;
  switch (role) {
    case Role::dev: return "regent dev: API, command processor, projections and an embedded Kafka in one process.\n";
    case Role::serve: return "regent serve: the HTTP API and the command processor.\n";
    case Role::worker_projections: return "regent worker projections: builds the Postgres read models from the log.\n";
    case Role::migrate: return "regent migrate: applies the SQL migrations and exits.\n";
  }
  return "";
}
}  // namespace

int main(int argc, char** argv) {
  using regent::core::Role;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  Role role;
  size_t skip = 1;
  if (args[0] == "dev") role = Role::dev;
  else if (args[0] == "serve") role = Role::serve;
  else if (args[0] == "migrate") role = Role::migrate;
  else if (args[0] == "worker" && args.size() > 1 && args[1] == "projections") role = Role::worker_projections, skip = 2;
  else {
    std::cerr << "unknown role: " << args[0] << "\n\n" << kUsage;
    return 2;
  }
  auto parsed = regent::core::parse_config(role, {args.begin() + static_cast<long>(skip), args.end()});
  if (!parsed) {
    std::cerr << "regent: " << parsed.error().detail << "\n";
    return 2;
  }
  if (parsed->help) {
    std::cout << role_summary(role) << "\n" << regent::core::config_help(role);
    return 0;
  }
  const auto& config = parsed->config;
  regent::core::configure_logging(config.log_level, config.log_format);
  regent::workers::block_stop_signals();
  const regent::core::Logger logger("workers");
  try {
    switch (role) {
      case Role::dev: return regent::workers::run_dev(config);
      case Role::serve: return regent::workers::run_serve(config);
      case Role::worker_projections: return regent::workers::run_projections_worker(config);
      case Role::migrate: return regent::workers::run_migrate(config);
    }
  } catch (const std::exception& ex) {
    logger.error("fatal", {{"error", ex.what()}});
    return 1;
  }
  return 0;
}
