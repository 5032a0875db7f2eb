#include <algorithm>
#include <map>
#include <optional>
#include <pqxx/pqxx>

#include "core/json.hpp"
#include "events/event_types.hpp"
#include "projections/read_models.hpp"
#include "projections/sql_arrays.hpp"

namespace regent::projections {
namespace {

// Every user.created of a batch in one statement: the users (with their roles, sorted and joined by
// commas: roles are lower-case words), their roles, and the counters behind the dashboard, which
// move only with rows really inserted.
constexpr const char* kInsertUsers = R"(
  WITH u AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::timestamptz[], $7::bigint[],
                         $11::text[])
      AS u(id, tenant_id, email, full_name, parent_user_id, at, version, roles)),
  users_in AS (
    INSERT INTO users (id, tenant_id, email, full_name, status, parent_user_id, created_at, updated_at, version, roles)
    SELECT id, tenant_id, email, full_name, 'active', parent_user_id, at, at, version, string_to_array(roles, ',')
    FROM u
    ON CONFLICT (id) DO NOTHING
    RETURNING tenant_id, status),
  user_counted AS (
    INSERT INTO user_counts (tenant_id, status, count)
    SELECT tenant_id, status, count(*) FROM users_in GROUP BY tenant_id, status
    ON CONFLICT (tenant_id, status) DO UPDATE SET count = user_counts.count + EXCLUDED.count),
  roles_in AS (
    INSERT INTO user_roles (tenant_id, user_id, role)
    SELECT * FROM unnest($8::uuid[], $9::uuid[], $10::text[])
    ON CONFLICT DO NOTHING
    RETURNING tenant_id, role)
  INSERT INTO role_counts (tenant_id, role, count)
  SELECT tenant_id, role, count(*) FROM roles_in GROUP BY tenant_id, role
  ON CONFLICT (tenant_id, role) DO UPDATE SET count = role_counts.count + EXCLUDED.count)";

// What a batch's later events leave of each user, in one statement: profile fields and status
// where they changed (NULL where not; both NULL once erased), the last version and time. Users move only forward in
// version, and the status counters move by the net change (a row of user_counts is written once).
constexpr const char* kUpdateUsers = R"(
  WITH c AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[],
                         $7::boolean[])
      AS c(id, email, full_name, status, version, at, erased)),
  before AS (
    SELECT u.id, u.tenant_id, u.status AS old_status, COALESCE(c.status, u.status) AS new_status
    FROM users u JOIN c ON c.id = u.id WHERE u.version < c.version),
  moved AS (
    UPDATE users u SET email = CASE WHEN c.erased THEN NULL ELSE COALESCE(c.email, u.email) END,
                       full_name = CASE WHEN c.erased THEN NULL ELSE COALESCE(c.full_name, u.full_name) END,
                       status = COALESCE(c.status, u.status), version = c.version, updated_at = c.at
    FROM c WHERE u.id = c.id AND u.version < c.version
    RETURNING u.id),
  deltas AS (
    SELECT tenant_id, status, sum(d) AS d FROM (
      SELECT tenant_id, old_status AS status, -1 AS d FROM before WHERE old_status <> new_status
      UNION ALL
      SELECT tenant_id, new_status, 1 FROM before WHERE old_status <> new_status) x
    GROUP BY tenant_id, status)
  INSERT INTO user_counts (tenant_id, status, count)
  SELECT tenant_id, status, d FROM deltas WHERE d <> 0
  ON CONFLICT (tenant_id, status) DO UPDATE SET count = user_counts.count + EXCLUDED.count)";

// Each (user, role) a batch assigned or revoked, as it ends up, in user_roles and in the user's
// sorted roles: rows really added or removed move the role counters.
constexpr const char* kChangeRoles = R"(
  WITH c AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::boolean[]) AS c(tenant_id, user_id, role, has)),
  added AS (
    INSERT INTO user_roles (tenant_id, user_id, role)
    SELECT tenant_id, user_id, role FROM c WHERE has
    ON CONFLICT DO NOTHING
    RETURNING tenant_id, role, 1 AS d),
  removed AS (
    DELETE FROM user_roles r USING c
    WHERE NOT c.has AND r.user_id = c.user_id AND r.role = c.role
    RETURNING r.tenant_id, r.role, -1 AS d),
  per_user AS (
    SELECT user_id, COALESCE(array_agg(role) FILTER (WHERE has), '{}') AS added,
           COALESCE(array_agg(role) FILTER (WHERE NOT has), '{}') AS removed
    FROM c GROUP BY user_id),
  roles_set AS (
    UPDATE users u SET roles = ARRAY(SELECT DISTINCT x FROM unnest(u.roles || p.added) x WHERE x <> ALL (p.removed) ORDER BY x)
    FROM per_user p WHERE u.id = p.user_id
    RETURNING u.id),
  deltas AS (
    SELECT tenant_id, role, sum(d) AS d FROM (SELECT * FROM added UNION ALL SELECT * FROM removed) x
    GROUP BY tenant_id, role)
  INSERT INTO role_counts (tenant_id, role, count)
  SELECT tenant_id, role, d FROM deltas WHERE d <> 0
  ON CONFLICT (tenant_id, role) DO UPDATE SET count = role_counts.count + EXCLUDED.count)";

// A user's changes within one batch, merged in log order.
struct UserChange {
  std::optional<std::string> email, full_name, status;
  bool erased = false;
  int64_t version = 0;
  std::string at;
};

class UsersProjection final : public Projection {
 public:
  std::string name() const override { return "users"; }
  int version() const override { return 3; }
  std::vector<std::string> tables() const override { return {"users", "user_roles", "user_counts", "role_counts"}; }
  bool handles(std::string_view type) const override { return type.starts_with("user."); }

  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    PgArray id, tenant_id, email, full_name, parent, at, version, role_tenant, role_user, role, joined_roles;
    namespace types = events::types;
    std::map<std::string, UserChange> changes;
    std::map<std::pair<std::string, std::string>, std::pair<std::string, bool>> role_changes;  // -> tenant, has
    for (const auto& e : batch) {
      bool status = e.type == types::user_deactivated || e.type == types::user_reactivated || e.type == types::user_erased;
      bool role_change = e.type == types::user_role_assigned || e.type == types::user_role_revoked;
      if (status || role_change || e.type == types::user_updated) {
        auto doc = core::JsonDocument::parse(e.data);
        auto d = doc->root();
        std::string user = core::get_text(d, "user_id");
        UserChange& c = changes[user];
        c.version = e.sequence;
        c.at = e.time;
        if (status)
          c.status = e.type == types::user_reactivated ? "active" : e.type == types::user_erased ? "erased" : "deactivated";
        if (e.type == types::user_erased) {
          c.erased = true;
          c.email.reset();
          c.full_name.reset();
        }
        if (role_change)
          role_changes[{user, core::get_text(d, "role")}] = {e.tenant_id, e.type == types::user_role_assigned};
        simdjson::dom::element personal;
        if (e.type == types::user_updated && d["personal"].get(personal) == simdjson::SUCCESS) {
          if (auto v = core::get_string(personal, "email")) c.email = std::string(*v);
          if (auto v = core::get_string(personal, "full_name")) c.full_name = std::string(*v);
        }
        continue;
      }
      if (e.type != events::types::user_created) continue;
      auto doc = core::JsonDocument::parse(e.data);
      auto d = doc->root();
      auto user_id = core::get_string(d, "user_id");
      auto personal = d["personal"];
      id.add(user_id);
      tenant_id.add(std::string_view(e.tenant_id));
      email.add(core::get_string(personal.value(), "email"));  // NULL: erased
      full_name.add(core::get_string(personal.value(), "full_name"));
      parent.add(core::get_string(d, "parent_user_id"));
      at.add(std::string_view(e.time));
      version.add(e.sequence);
      simdjson::dom::array listed;
      std::vector<std::string_view> roles;
      if (d["roles"].get(listed) == simdjson::SUCCESS)
        for (auto r : listed) {
          role_tenant.add(std::string_view(e.tenant_id));
          role_user.add(user_id);
          role.add(std::string_view(r));
          roles.push_back(std::string_view(r));
        }
      std::sort(roles.begin(), roles.end());
      roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
      std::string joined;
      for (auto r : roles) joined += (joined.empty() ? "" : ",") + std::string(r);
      joined_roles.add(std::string_view(joined));
    }
    if (id.size() > 0)
      tx.exec_params(kInsertUsers, id.literal(), tenant_id.literal(), email.literal(), full_name.literal(),
                     parent.literal(), at.literal(), version.literal(), role_tenant.literal(), role_user.literal(),
                     role.literal(), joined_roles.literal());
    if (!changes.empty()) {
      PgArray who, email_to, name_to, status_to, to_version, to_at, erased;
      auto opt = [](const std::optional<std::string>& v) {
        return v ? std::optional<std::string_view>(*v) : std::nullopt;
      };
      for (const auto& [user, c] : changes) {
        who.add(std::string_view(user));
        email_to.add(opt(c.email));
        name_to.add(opt(c.full_name));
        status_to.add(opt(c.status));
        to_version.add(c.version);
        to_at.add(std::string_view(c.at));
        erased.add(std::string_view(c.erased ? "true" : "false"));
      }
      tx.exec_params(kUpdateUsers, who.literal(), email_to.literal(), name_to.literal(), status_to.literal(),
                     to_version.literal(), to_at.literal(), erased.literal());
    }
    if (!role_changes.empty()) {
      PgArray tenants, users, roles, has;
      for (const auto& [key, change] : role_changes) {
        tenants.add(std::string_view(change.first));
        users.add(std::string_view(key.first));
        roles.add(std::string_view(key.second));
        has.add(std::string_view(change.second ? "t" : "f"));
      }
      tx.exec_params(kChangeRoles, tenants.literal(), users.literal(), roles.literal(), has.literal());
    }
  }
};

}  // namespace

std::unique_ptr<Projection> make_users_projection() { return std::make_unique<UsersProjection>(); }


}  // namespace regent::projections
