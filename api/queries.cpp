#include "api/queries.hpp"

#include <iterator>

#include "api/audit_queries.hpp"
#include "api/dashboard_queries.hpp"
#include "api/permission_queries.hpp"
#include "api/row_json.hpp"
#include "api/sql_json.hpp"
#include "api/wallet_queries.hpp"
#include "core/json.hpp"

namespace regent::api {
namespace {

// Users and tenants are read most (every /v1/me): their answers are built here from columns
// (api/row_json.hpp), which halved what Postgres spends on them.
#define REGENT_USER_COLUMNS \
  "u.id, u.tenant_id, u.email, u.full_name, to_json(u.roles), u.status, u.parent_user_id, u.created_at, " \
  "u.updated_at, u.version"
constexpr Field kUserFields[] = {{"id", Column::text},          {"tenant_id", Column::text},   {"email", Column::text},
                                 {"full_name", Column::text},   {"roles", Column::json},       {"status", Column::text},
                                 {"parent_user_id", Column::text}, {"created_at", Column::time}, {"updated_at", Column::time},
                                 {"version", Column::number}};
#define REGENT_TENANT_COLUMNS "t.id, t.name, t.slug, t.settings, t.created_at, t.updated_at, t.version"
constexpr Field kTenantFields[] = {{"id", Column::text},         {"name", Column::text},       {"slug", Column::text},
                                   {"settings", Column::json},   {"created_at", Column::time}, {"updated_at", Column::time},
                                   {"version", Column::number}};
constexpr int kUserColumns = static_cast<int>(std::size(kUserFields));

const std::string kFindUser =
    "SELECT " REGENT_USER_COLUMNS " FROM users u WHERE u.tenant_id = $1::uuid AND u.id = $2::uuid";

const std::string kListUsers = "SELECT u.id::text, " REGENT_USER_COLUMNS R"( FROM users u
  WHERE u.tenant_id = $1::uuid
    AND ($2 = '' OR u.status = $2)
    AND ($3 = '' OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = $3))
    AND ($4 = '' OR u.email ILIKE '%' || $4 || '%' OR u.full_name ILIKE '%' || $4 || '%')
    AND u.id > $5::uuid
  ORDER BY u.id
  LIMIT $6::bigint)";

const std::string kFindTenant = "SELECT " REGENT_TENANT_COLUMNS " FROM tenants t WHERE t.id = $1::uuid";

const std::string kListApiKeys = R"(SELECT k.id::text, json_build_object('id', k.id, 'prefix', k.prefix, 'name', k.name,
    'scopes', to_json(k.scopes), 'created_by', k.created_by, 'created_at', )" REGENT_SQL_TIME("k.created_at") R"(,
    'expires_at', )" REGENT_SQL_TIME("k.expires_at") R"(, 'last_used_at', )" REGENT_SQL_TIME("k.last_used_at") R"(,
    'revoked_at', )" REGENT_SQL_TIME("k.revoked_at") R"(, 'version', k.version)::text
  FROM api_keys k
  WHERE k.tenant_id = $1::uuid AND k.id > $2::uuid
    AND ($3::boolean OR (k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())))
  ORDER BY k.id
  LIMIT $4)";

// The caller's user and tenant in one round trip: one row.
const std::string kFindMe = "SELECT " REGENT_USER_COLUMNS ", " REGENT_TENANT_COLUMNS
                            " FROM users u JOIN tenants t ON t.id = u.tenant_id"
                            " WHERE u.tenant_id = $1::uuid AND u.id = $2::uuid";

// Keyset positions are always a bound, the first page's too, so that every page is one range of
// the index (an `$n = '' OR id > $n` would make a generic plan walk the index from its start).
std::string after(const std::string& id) { return id.empty() ? "00000000-0000-0000-0000-000000000000" : id; }

std::string like_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}
}  // namespace

std::vector<core::PgQueries::Statement> query_statements() {
  std::vector<core::PgQueries::Statement> all = {{"find_user", kFindUser},
                                                 {"list_users", kListUsers},
                                                 {"find_tenant", kFindTenant},
                                                 {"find_me", kFindMe},
                                                 {"list_api_keys", kListApiKeys}};
  for (auto& s : wallet_statements()) all.push_back(std::move(s));
  for (auto& s : dashboard_statements()) all.push_back(std::move(s));
  for (auto& s : permission_statements()) all.push_back(std::move(s));
  for (auto& s : audit_statements()) all.push_back(std::move(s));
  return all;
}

core::PgRows query(core::PgQueries& q, std::string_view statement, std::vector<core::PgQueries::Param> params) {
  auto rows = q.run(statement, std::move(params));
  if (!rows) throw QueryFailed(rows.error());
  return std::move(rows.value());
}

std::optional<std::string> one_json(core::PgQueries& q, std::string_view statement,
                                    std::vector<core::PgQueries::Param> params) {
  auto rows = query(q, statement, std::move(params));
  if (rows.empty() || rows.null(0, 0)) return std::nullopt;
  return core::compact_json(rows.text(0, 0));
}

Page page_of(const core::PgRows& r, int limit) {
  Page page;
  for (int i = 0; i < r.size() && i < limit; ++i) {
    page.items.push_back(core::compact_json(r.text(i, 1)));
    if (r.size() > limit) page.next_key = std::string(r.text(i, 0));
  }
  return page;
}

std::optional<std::string> find_user(core::PgQueries& pg, const core::TenantId& tenant, const std::string& id) {
  if (!core::is_uuid(id)) return std::nullopt;
  auto rows = query(pg, "find_user", {tenant.value, id});
  if (rows.empty()) return std::nullopt;
  return row_json(rows, 0, 0, kUserFields);
}

Page list_users(core::PgQueries& pg, const core::TenantId& tenant, const UserFilter& f) {
  std::string q = like_escape(f.q), limit = std::to_string(f.limit + 1);
  auto rows = query(pg, "list_users", {tenant.value, f.status, f.role, q, after(f.after_id), limit});
  Page page;
  for (int i = 0; i < rows.size() && i < f.limit; ++i) {
    page.items.push_back(row_json(rows, i, 1, kUserFields));
    if (rows.size() > f.limit) page.next_key = std::string(rows.text(i, 0));
  }
  return page;
}

std::optional<std::string> find_tenant(core::PgQueries& pg, const core::TenantId& tenant) {
  auto rows = query(pg, "find_tenant", {tenant.value});
  if (rows.empty()) return std::nullopt;
  return row_json(rows, 0, 0, kTenantFields);
}

std::optional<std::pair<std::string, std::string>> find_me(core::PgQueries& pg, const core::TenantId& tenant,
                                                           const std::string& user_id) {
  auto rows = query(pg, "find_me", {tenant.value, user_id});
  if (rows.empty()) return std::nullopt;
  return std::pair{row_json(rows, 0, 0, kUserFields), row_json(rows, 0, kUserColumns, kTenantFields)};
}

Page list_api_keys(core::PgQueries& pg, const core::TenantId& tenant, const ApiKeyFilter& f) {
  std::string limit = std::to_string(f.limit + 1);
  return page_of(query(pg, "list_api_keys", {tenant.value, after(f.after_id), f.include_inactive ? "true" : "false", limit}),
                 f.limit);
}

}  // namespace regent::api
