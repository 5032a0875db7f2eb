#pragma once
// Read-model queries of permission requests (newest first), and what the scheduler finds due.
#include <optional>
#include <string>
#include <vector>

#include "api/queries.hpp"

namespace regent::api {

std::vector<core::PgQueries::Statement> permission_statements();

// The permission as JSON with the id of its user (who may see it is the caller's to judge).
struct FoundPermission {
  std::string json;
  std::string user_id;
};
std::optional<FoundPermission> find_permission(core::PgQueries& pg, const core::TenantId& tenant, const std::string& id);

struct PermissionFilter {
  std::string status;
  std::string user_id;
  std::string resource;
  std::string before_id;  // keyset position: ids are time-ordered (UUIDv7)
  int limit = 50;
};
Page list_permissions(core::PgQueries& pg, const core::TenantId& tenant, const PermissionFilter& f);

}  // namespace regent::api
