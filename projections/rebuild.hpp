#pragma once
// Rebuild without downtime (DESIGN.md decision 3): a projection replays the log from offset zero
// into fresh copies of its tables, in a schema of their own, while queries keep reading the live
// ones; once it has caught up with the live model it swaps its tables and checkpoints in, in one
// transaction. The live runners notice through their checkpoint compare-and-set and carry on
// from the rebuilt model's checkpoints.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "projections/projection.hpp"
#include "projections/runner.hpp"

namespace regent::projections {

struct RebuildOptions {
  Endpoints where;
  size_t max_batch = 2000;
  // Told now and then how far the rebuild is: events read so far, events in the log.
  std::function<void(int64_t done, int64_t total)> progress;
};

enum class RebuildOutcome { swapped, stopped, busy };

std::string rebuild_schema(const std::string& projection);

// Runs until the rebuilt model is swapped in or `stop` is set. `busy` when another rebuild of the
// same projection holds its lock. Throws when the fresh tables cannot be prepared.
RebuildOutcome rebuild(Projection& projection, const RebuildOptions& options, const std::atomic<bool>& stop);

}  // namespace regent::projections
