// regent: one binary, several roles (DESIGN.md decision 7).
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "core/build_info.hpp"
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
  regent worker scheduler [options]    records permissions' expiries once due (through the API)
  regent migrate [options]             apply the SQL migrations and exit
  regent projections status [options]  per projection and partition: checkpoint, log end, lag, stalls
  regent projections rebuild NAME      replay NAME into fresh tables, swap them in once caught up
  regent projections skip NAME --partition P --offset O --reason TEXT
                                       park the event NAME is stalled on, so that it moves past it

  regent keys create|status|rotate|prune
                                       the master keys that wrap users' data keys

  regent --version                     the version and the commit it was built from

Each role accepts --help for its options.
)";

const char* role_summary(regent::core::Role role) {
  using regent::core::Role;
  switch (role) {
    case Role::dev: return "regent dev: API, command processor, projections and an embedded Kafka in one process.\n";
    case Role::serve: return "regent serve: the HTTP API and the command processor.\n";
    case Role::worker_projections: return "regent worker projections: builds the Postgres read models from the log.\n";
    case Role::worker_scheduler:
      return "regent worker scheduler: sends the expiry of each approved permission whose expires_at has passed to the API.\n";
    case Role::migrate: return "regent migrate: applies the SQL migrations and exits.\n";
  }
  return "";
}
}  // namespace

// `projections status|rebuild|skip`: the words before the REGENT_* flags.
struct AdminCommand {
  std::string verb, name, reason;
  int32_t partition = -1;
  int64_t offset = -1;
};

bool parse_admin(std::vector<std::string>& args, AdminCommand& cmd, std::string& error) {
  if (args.size() < 2) return error = "projections: expected status, rebuild NAME or skip NAME", false;
  cmd.verb = args[1];
  size_t i = 2;
  if (cmd.verb == "rebuild" || cmd.verb == "skip") {
    if (args.size() < 3 || args[2].rfind("--", 0) == 0) return error = "projections " + cmd.verb + ": expected a projection name", false;
    cmd.name = args[2];
    i = 3;
  } else if (cmd.verb != "status") {
    return error = "projections: unknown command " + cmd.verb, false;
  }
  std::vector<std::string> rest;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool ours = cmd.verb == "skip" && (a == "--partition" || a == "--offset" || a == "--reason");
    if (!ours) {
      rest.push_back(a);
      continue;
    }
    if (i + 1 >= args.size()) return error = a + " needs a value", false;
    const std::string& v = args[++i];
    try {
      size_t used = 0;
      if (a == "--reason") cmd.reason = v;
      else if (a == "--partition") cmd.partition = std::stoi(v, &used);
      else cmd.offset = std::stoll(v, &used);
      if (a != "--reason" && (used != v.size() || v.empty())) throw std::invalid_argument(v);
    } catch (const std::exception&) {
      return error = a + " expects a number", false;
    }
  }
  if (cmd.verb == "skip" && (cmd.partition < 0 || cmd.offset < 0 || cmd.reason.empty()))
    return error = "projections skip: --partition, --offset and --reason are all required", false;
  args = std::move(rest);
  return true;
}

int main(int argc, char** argv) {
  using regent::core::Role;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--version" || args[0] == "version")) {
    std::cout << "regent " << regent::core::kVersion << " (" << regent::core::kCommit << ")\n";
    return 0;
  }
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  Role role;
  size_t skip = 1;
  AdminCommand admin;
  std::string keys_verb;
  if (args[0] == "projections") {
    if (std::find(args.begin(), args.end(), "--help") != args.end()) {
      std::cout << kUsage << "\n" << regent::core::config_help(Role::worker_projections);
      return 0;
    }
    std::string error;
    if (!parse_admin(args, admin, error)) {
      std::cerr << "regent: " << error << "\n\n" << kUsage;
      return 2;
    }
    args.insert(args.begin(), "projections");  // what remains are REGENT_* flags
    role = Role::worker_projections;
  } else if (args[0] == "dev") {
    role = Role::dev;
  } else if (args[0] == "serve") {
    role = Role::serve;
  } else if (args[0] == "migrate") {
    role = Role::migrate;
  } else if (args[0] == "keys" && args.size() > 1) {
    role = Role::migrate, skip = 2, keys_verb = args[1];  // the settings of migrate: Postgres and the key file
  } else if (args[0] == "worker" && args.size() > 1 && args[1] == "projections") {
    role = Role::worker_projections, skip = 2;
  } else if (args[0] == "worker" && args.size() > 1 && args[1] == "scheduler") {
    role = Role::worker_scheduler, skip = 2;
  } else {
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
      case Role::worker_projections:
        if (admin.verb == "status") return regent::workers::run_projections_status(config);
        if (admin.verb == "rebuild") return regent::workers::run_projections_rebuild(config, admin.name);
        if (admin.verb == "skip")
          return regent::workers::run_projections_skip(config, admin.name, admin.partition, admin.offset, admin.reason);
        return regent::workers::run_projections_worker(config);
      case Role::worker_scheduler: return regent::workers::run_scheduler_worker(config);
      case Role::migrate:
        if (!keys_verb.empty()) return regent::workers::run_keys(config, keys_verb);
        return regent::workers::run_migrate(config);
    }
  } catch (const std::exception& ex) {
    logger.error("fatal", {{"error", ex.what()}});
    return 1;
  }
  return 0;
}
