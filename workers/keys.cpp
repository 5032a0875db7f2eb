// `regent keys create|status|rotate|prune`: the master keys that wrap users' data keys
// (docs/personal-data.md says when to run each).
#include <algorithm>
#include <iostream>

#include "core/data_keys.hpp"
#include "core/log.hpp"
#include "core/master_keys.hpp"
#include "projections/migrations.hpp"
#include "workers/roles.hpp"

namespace regent::workers {
namespace {
const core::Logger logger("keys");

void print_counts(core::DataKeys& keys, const core::MasterKeys& ring) {
  auto counts = keys.wrapped_by();
  const auto ids = ring.ids();
  for (const auto& id : ids)
    std::cout << "master key " << id << (id == ring.current_id() ? " (current)" : "") << ": "
              << (counts.count(id) ? counts[id] : 0) << " data keys\n";
  for (const auto& [id, n] : counts)
    if (std::find(ids.begin(), ids.end(), id) == ids.end())
      std::cout << "master key " << id << " (NOT IN THE FILE): " << n << " data keys\n";
}
}  // namespace

int run_keys(const core::Config& config, const std::string& verb) {
  std::string path = config.master_key_path();
  try {
    if (verb == "create") {
      auto ring = core::FileMasterKeys::create(path);
      std::cout << "created " << path << " with master key " << ring->current_id()
                << "; keep a copy of it apart from the database's backups\n";
      return 0;
    }
    projections::migrate(config.pg_url);
    std::shared_ptr<core::FileMasterKeys> ring =
        verb == "rotate" ? core::FileMasterKeys::add_key(path) : core::FileMasterKeys::load(path);
    core::DataKeys keys(config.pg_url, ring);
    if (verb == "status") {
      std::cout << path << "\n";
      print_counts(keys, *ring);
      keys.check_ring();
      return 0;
    }
    if (verb == "rotate") {
      int64_t n = keys.rewrap_all();
      std::cout << "master key " << ring->current_id() << " added to " << path << " and now wraps every data key ("
                << n << " re-wrapped); the older keys stay in the file: restart every process with it, then run "
                << "`regent keys prune`\n";
      return 0;
    }
    if (verb == "prune") {
      auto counts = keys.wrapped_by();
      for (const auto& [id, n] : counts)
        if (id != ring->current_id()) {
          std::cerr << "regent keys prune: " << n << " data keys are still wrapped by master key " << id
                    << "; run `regent keys rotate` first\n";
          return 1;
        }
      auto kept = core::FileMasterKeys::keep_current(path);
      std::cout << path << " now holds master key " << kept->current_id() << " only\n";
      return 0;
    }
  } catch (const core::MasterKeyError& ex) {
    std::cerr << "regent keys " << verb << ": " << ex.what() << "\n";
    return 3;
  }
  std::cerr << "regent keys: expected create, status, rotate or prune\n";
  return 2;
}

}  // namespace regent::workers
