#pragma once
// The processes one binary can be: each role's entry point returns the process exit code.
#include <string>
#include <vector>

#include "core/config.hpp"

namespace regent::workers {

int run_serve(const core::Config& config);
int run_dev(core::Config config);
int run_projections_worker(const core::Config& config);
int run_migrate(const core::Config& config);

}  // namespace regent::workers
