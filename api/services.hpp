#pragma once
// What handlers reach: configuration, the command processor, Postgres and the checkpoints.
#include <functional>
#include <semaphore>

#include "core/config.hpp"

namespace regent::core {
class DataKeys;
class PgPool;
class PgQueries;
}
namespace regent::commands {
class Processor;
}
namespace regent::projections {
class CheckpointWatcher;
}

namespace regent::api {

class Forwarder;
class JwtKeys;
struct RateLimits;
class VerifiedTokens;

struct Services {
  const core::Config& config;
  const JwtKeys& jwt_keys;  // signs and verifies access tokens
  commands::Processor& processor;
  core::PgPool& pg;          // connections held for a while (readiness)
  core::PgQueries& queries;  // every read model query (core/pg_queries.hpp)
  projections::CheckpointWatcher& checkpoints;
  std::function<bool()> log_reachable;
  // argon2id is CPU-bound: at most this many hashes at once, whatever the handler pool's size.
  std::counting_semaphore<64>& hashing_slots;
  // Set when several instances share the partitions: requests for tenants written elsewhere go there.
  Forwarder* forwarder = nullptr;
  RateLimits* limits = nullptr;  // none: no limits (tests of other things)
  VerifiedTokens* verified_tokens = nullptr;  // none: every token's signature checked on every request
  core::DataKeys* data_keys = nullptr;        // users' data keys (api/personal.hpp)
};

}  // namespace regent::api
