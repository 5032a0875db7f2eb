#pragma once
// The processes one binary can be: each role's entry point returns the process exit code.
#include <string>
#include <vector>

#include "core/config.hpp"

namespace regent::workers {

int run_serve(const core::Config& config);
int run_dev(core::Config config);
int run_projections_worker(const core::Config& config);
int run_scheduler_worker(const core::Config& config);
// `regent keys create|status|rotate|prune`: the master keys (docs/personal-data.md).
int run_keys(const core::Config& config, const std::string& verb);
int run_migrate(const core::Config& config);
// `regent projections status|rebuild|skip`: an operator's tools for the read models.
int run_projections_status(const core::Config& config);
int run_projections_rebuild(const core::Config& config, const std::string& name);
int run_projections_skip(const core::Config& config, const std::string& name, int32_t partition, int64_t offset,
                         const std::string& reason);

}  // namespace regent::workers
