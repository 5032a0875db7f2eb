#pragma once
// Read-model queries of money: wallets, their transactions (newest first) and activities.
#include <optional>
#include <string>

#include "api/queries.hpp"
#include "core/clock.hpp"

namespace regent::api {

std::vector<core::PgQueries::Statement> wallet_statements();

std::optional<std::string> find_wallet(core::PgQueries& pg, const core::TenantId& tenant, const std::string& user_id);

// Newest first; `before_seq` is the keyset position (a wallet version), 0 for the first page.
Page list_transactions(core::PgQueries& pg, const core::TenantId& tenant, const std::string& user_id,
                       int64_t before_seq, int limit);

struct ActivityFilter {
  std::string user_id;
  std::string type;
  std::optional<core::UnixMillis> from;  // inclusive
  std::optional<core::UnixMillis> to;    // exclusive
  std::string before_id;                 // keyset position: ids are time-ordered (UUIDv7)
  int limit = 50;
};

// Newest first.
Page list_activities(core::PgQueries& pg, const core::TenantId& tenant, const ActivityFilter& f);

}  // namespace regent::api
