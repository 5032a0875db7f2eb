#include "api/permission_queries.hpp"

#include "api/sql_json.hpp"
#include "core/json.hpp"

namespace regent::api {
namespace {

#define REGENT_PERMISSION_JSON                                                                                       \
  "json_build_object('id', p.id, 'user_id', p.user_id, 'resource', p.resource, 'level', p.level, 'status', "      \
  "p.status, 'reason', p.reason, 'requested_by', p.requested_by, 'decided_by', p.decided_by, 'decision_reason', " \
  "p.decision_reason, 'requested_at', " REGENT_SQL_TIME("p.requested_at") ", 'decided_at', "                      \
  REGENT_SQL_TIME("p.decided_at") ", 'expires_at', " REGENT_SQL_TIME("p.expires_at") ", 'version', p.version)::text"

const std::string kFindPermission = "SELECT " REGENT_PERMISSION_JSON
                                    ", p.user_id::text FROM permissions p WHERE p.tenant_id = $1::uuid AND p.id = $2::uuid";

// Each filter has its index (schemas/sql/0010_permissions.sql); the keyset bound is always given.
const std::string kListPermissions = "SELECT p.id::text, " REGENT_PERMISSION_JSON R"( FROM permissions p
  WHERE p.tenant_id = $1::uuid
    AND ($2 = '' OR p.status = $2)
    AND ($3 = '' OR p.user_id = NULLIF($3, '')::uuid)
    AND ($4 = '' OR p.resource = $4)
    AND p.id < $5::uuid
  ORDER BY p.id DESC
  LIMIT $6::bigint)";

}  // namespace

std::vector<core::PgQueries::Statement> permission_statements() {
  return {{"find_permission", kFindPermission}, {"list_permissions", kListPermissions}};
}

std::optional<FoundPermission> find_permission(core::PgQueries& pg, const core::TenantId& tenant, const std::string& id) {
  if (!core::is_uuid(id)) return std::nullopt;
  auto rows = query(pg, "find_permission", {tenant.value, id});
  if (rows.empty()) return std::nullopt;
  return FoundPermission{core::compact_json(rows.text(0, 0)), std::string(rows.text(0, 1))};
}

Page list_permissions(core::PgQueries& pg, const core::TenantId& tenant, const PermissionFilter& f) {
  std::string rows = std::to_string(f.limit + 1);
  return page_of(query(pg, "list_permissions", {tenant.value, f.status, f.user_id, f.resource,
                                                    f.before_id.empty() ? "ffffffff-ffff-ffff-ffff-ffffffffffff" : f.before_id,
                                                    rows}),
                 f.limit);
}

}  // namespace regent::api
