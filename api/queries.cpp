#include "api/queries.hpp"

#include <pqxx/pqxx>

#include "api/sql_json.hpp"
#include "core/pg_pool.hpp"

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
    AND ($5 = '' OR u.id > NULLIF($5, '')::uuid)
  ORDER BY u.id
  LIMIT $6)";

const std::string kFindTenant =
    "SELECT json_build_object('id', t.id, 'name', t.name, 'slug', t.slug, 'settings', t.settings, "
    "'created_at', " REGENT_SQL_TIME("t.created_at") ", 'updated_at', " REGENT_SQL_TIME("t.updated_at") ", "
    "'version', t.version)::text FROM tenants t WHERE t.id = $1::uuid";

const std::string kListApiKeys = R"(SELECT k.id::text, json_build_object('id', k.id, 'prefix', k.prefix, 'name', k.name,
    'scopes', to_json(k.scopes), 'created_by', k.created_by, 'created_at', )" REGENT_SQL_TIME("k.created_at") R"(,
    'expires_at', )" REGENT_SQL_TIME("k.expires_at") R"(, 'last_used_at', )" REGENT_SQL_TIME("k.last_used_at") R"(,
    'revoked_at', )" REGENT_SQL_TIME("k.revoked_at") R"(, 'version', k.version)::text
  FROM api_keys k
  WHERE k.tenant_id = $1::uuid AND ($2 = '' OR k.id > NULLIF($2, '')::uuid)
    AND ($3 OR (k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())))
  ORDER BY k.id
  LIMIT $4)";

std::string like_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}
}  // namespace

std::optional<std::string> find_user(core::PgPool& pg, const core::TenantId& tenant, const std::string& id) {
  if (!core::is_uuid(id)) return std::nullopt;
  auto conn = pg.lease();
  pqxx::read_transaction tx(*conn);
  auto r = tx.exec_params(kFindUser, tenant.value, id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

Page page_of(const pqxx::result& r, int limit) {
  Page page;
  for (int i = 0; i < static_cast<int>(r.size()) && i < limit; ++i) {
    page.items.push_back(r[i][1].as<std::string>());
    if (static_cast<int>(r.size()) > limit) page.next_key = r[i][0].as<std::string>();
  }
  return page;
}

Page list_users(core::PgPool& pg, const core::TenantId& tenant, const UserFilter& f) {
  auto conn = pg.lease();
  pqxx::read_transaction tx(*conn);
  return page_of(tx.exec_params(kListUsers, tenant.value, f.status, f.role, like_escape(f.q), f.after_id, f.limit + 1),
                 f.limit);
}

std::optional<std::string> find_tenant(core::PgPool& pg, const core::TenantId& tenant) {
  auto conn = pg.lease();
  pqxx::read_transaction tx(*conn);
  auto r = tx.exec_params(kFindTenant, tenant.value);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

Page list_api_keys(core::PgPool& pg, const core::TenantId& tenant, const ApiKeyFilter& f) {
  auto conn = pg.lease();
  pqxx::read_transaction tx(*conn);
  return page_of(tx.exec_params(kListApiKeys, tenant.value, f.after_id, f.include_inactive, f.limit + 1), f.limit);
}

}  // namespace regent::api
