#include "api/queries.hpp"

#include "api/dashboard_queries.hpp"
#include "api/sql_json.hpp"
#include "api/wallet_queries.hpp"
#include "core/json.hpp"

namespace regent::api {
namespace {

constexpr const char* kUserJson =
    "json_build_object('id', u.id, 'tenant_id', u.tenant_id, 'email', u.email, 'full_name', u.full_name, "
    "'roles', COALESCE((SELECT json_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '[]'::json), "
    "'status', u.status, 'parent_user_id', u.parent_user_id, "
    "'created_at', " REGENT_SQL_TIME("u.created_at") ", 'updated_at', " REGENT_SQL_TIME("u.updated_at") ", "
    "'version', u.version)::text";

const std::string kFindUser =
    std::string("SELECT ") + kUserJson + " FROM users u WHERE u.tenant_id = $1::uuid AND u.id = $2::uuid";

const std::string kListUsers = std::string("SELECT u.id::text, ") + kUserJson + R"( FROM users u
  WHERE u.tenant_id = $1::uuid
    AND ($2 = '' OR u.status = $2)
    AND ($3 = '' OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = $3))
    AND ($4 = '' OR u.email ILIKE '%' || $4 || '%' OR u.full_name ILIKE '%' || $4 || '%')
    AND u.id > $5::uuid
  ORDER BY u.id
  LIMIT $6::bigint)";

const std::string kFindTenant =
    "SELECT json_build_object('id', t.id, 'name', t.name, 'slug', t.slug, 'settings', t.settings, "
    "'created_at', " REGENT_SQL_TIME("t.created_at") ", 'updated_at', " REGENT_SQL_TIME("t.updated_at") ", "
    "'version', t.version)::text FROM tenants t WHERE t.id = $1::uuid";

const std::string kListApiKeys = R"(SELECT k.id::text, json_build_object('id', k.id, 'prefix', k.prefix, 'name', k.name,
    'scopes', to_json(k.scopes), 'created_by', k.created_by, 'created_at', )" REGENT_SQL_TIME("k.created_at") R"(,
    'expires_at', )" REGENT_SQL_TIME("k.expires_at") R"(, 'last_used_at', )" REGENT_SQL_TIME("k.last_used_at") R"(,
    'revoked_at', )" REGENT_SQL_TIME("k.revoked_at") R"(, 'version', k.version)::text
  FROM api_keys k
  WHERE k.tenant_id = $1::uuid AND k.id > $2::uuid
    AND ($3::boolean OR (k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())))
  ORDER BY k.id
  LIMIT $4)";

// The caller's user and tenant in one round trip: two columns of one row.
const std::string kFindMe = "SELECT (" + kFindUser + "), (" + kFindTenant + ")";

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
  return one_json(pg, "find_user", {tenant.value, id});
}

Page list_users(core::PgQueries& pg, const core::TenantId& tenant, const UserFilter& f) {
  std::string q = like_escape(f.q), limit = std::to_string(f.limit + 1);
  return page_of(query(pg, "list_users", {tenant.value, f.status, f.role, q, after(f.after_id), limit}), f.limit);
}

std::optional<std::string> find_tenant(core::PgQueries& pg, const core::TenantId& tenant) {
  return one_json(pg, "find_tenant", {tenant.value});
}

std::optional<std::pair<std::string, std::string>> find_me(core::PgQueries& pg, const core::TenantId& tenant,
                                                           const std::string& user_id) {
  auto rows = query(pg, "find_me", {tenant.value, user_id});
  if (rows.empty() || rows.null(0, 0) || rows.null(0, 1)) return std::nullopt;
  return std::pair{core::compact_json(rows.text(0, 0)), core::compact_json(rows.text(0, 1))};
}

Page list_api_keys(core::PgQueries& pg, const core::TenantId& tenant, const ApiKeyFilter& f) {
  std::string limit = std::to_string(f.limit + 1);
  return page_of(query(pg, "list_api_keys", {tenant.value, after(f.after_id), f.include_inactive ? "true" : "false", limit}),
                 f.limit);
}

}  // namespace regent::api
