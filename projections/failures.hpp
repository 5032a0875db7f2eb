#pragma once
// Which failures of a projection's transaction are the environment's (Postgres restarting, a
// deadlock, the log unreachable: try the same thing again later) and which are the event's (it
// cannot be applied as it is: stall on it and say so).
#include <exception>
#include <stdexcept>

namespace regent::projections {

// The checkpoint a batch started from is no longer the stored one: another runner moved it, or a
// rebuild was swapped in. Nothing was applied; start again from the stored checkpoints.
struct CheckpointMoved : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool transient_failure(const std::exception& ex);

}  // namespace regent::projections
