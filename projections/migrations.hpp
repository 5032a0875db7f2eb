#pragma once
// Applies the SQL migrations of schemas/sql/ (compiled into the binary) in order, each once, each
// in its own transaction, under an advisory lock so that concurrent starts do not race.
#include <string>

namespace regent::projections {

// Returns how many migrations were applied. Throws on failure.
int migrate(const std::string& pg_url);

}  // namespace regent::projections
