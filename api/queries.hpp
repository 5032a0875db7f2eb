#pragma once
// Read-model queries, each one prepared statement (core/pg_queries.hpp) answering JSON: built by
// Postgres (json_build_object) where that is cheap, from the row's columns (api/row_json.hpp) for
// the reads Postgres spent most on.
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/ids.hpp"
#include "core/pg_queries.hpp"

namespace regent::api {

struct UserFilter {
  std::string role;
  std::string status;
  std::string q;  // substring of email or full name
  std::string after_id;
  int limit = 50;
};

struct Page {
  std::vector<std::string> items;  // JSON objects
  std::string next_key;            // the keyset position after the last item, when there may be more
};

// Every statement the queries below prepare: PgQueries prepares them on each of its connections.
std::vector<core::PgQueries::Statement> query_statements();

// A query Postgres could not answer (down, too busy, timed out): the router answers it with the
// error, 503 `unavailable` with Retry-After, wherever it was raised.
struct QueryFailed : std::runtime_error {
  explicit QueryFailed(core::Error e) : std::runtime_error(e.detail), error(std::move(e)) {}
  core::Error error;
};

// The rows of a prepared statement, or QueryFailed.
core::PgRows query(core::PgQueries& q, std::string_view statement, std::vector<core::PgQueries::Param> params);
// The first column of the only row as compact JSON, or nullopt when there is no row.
std::optional<std::string> one_json(core::PgQueries& q, std::string_view statement,
                                    std::vector<core::PgQueries::Param> params);
// Rows of (keyset key, JSON) fetched with LIMIT limit + 1, as a page of at most `limit` items.
Page page_of(const core::PgRows& rows, int limit);

std::optional<std::string> find_user(core::PgQueries& pg, const core::TenantId& tenant, const std::string& id);
Page list_users(core::PgQueries& pg, const core::TenantId& tenant, const UserFilter& f);
struct ApiKeyFilter {
  bool include_inactive = false;  // revoked and expired keys too
  std::string after_id;
  int limit = 50;
};
Page list_api_keys(core::PgQueries& pg, const core::TenantId& tenant, const ApiKeyFilter& f);

// The caller's user (JSON) and its tenant (JSON), in one round trip; nullopt when either is not
// in the read models yet.
std::optional<std::pair<std::string, std::string>> find_me(core::PgQueries& pg, const core::TenantId& tenant,
                                                           const std::string& user_id);
std::optional<std::string> find_tenant(core::PgQueries& pg, const core::TenantId& tenant);

}  // namespace regent::api
