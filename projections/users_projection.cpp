#include <map>
#include <pqxx/pqxx>

#include "core/json.hpp"
#include "events/event_types.hpp"
#include "projections/read_models.hpp"
#include "projections/sql_arrays.hpp"

namespace regent::projections {
namespace {

// Every user.created of a batch in one statement: the users, their roles, and the counters behind
// the dashboard, which move only with rows really inserted.
constexpr const char* kInsertUsers = R"(
  WITH u AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::timestamptz[], $7::bigint[])
      AS u(id, tenant_id, email, full_name, parent_user_id, at, version)),
  users_in AS (
    INSERT INTO users (id, tenant_id, email, full_name, status, parent_user_id, created_at, updated_at, version)
    SELECT id, tenant_id, email, full_name, 'active', parent_user_id, at, at, version FROM u
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

// The last status change of each user in a batch, in one statement: users move only forward in
// version, and the status counters move by the net change (a row of user_counts is written once).
constexpr const char* kSetStatus = R"(
  WITH c AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::timestamptz[]) AS c(id, status, version, at)),
  before AS (
    SELECT u.id, u.tenant_id, u.status AS old_status, c.status AS new_status
    FROM users u JOIN c ON c.id = u.id WHERE u.version < c.version),
  moved AS (
    UPDATE users u SET status = c.status, version = c.version, updated_at = c.at
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

class UsersProjection final : public Projection {
 public:
  std::string name() const override { return "users"; }
  int version() const override { return 1; }
  std::vector<std::string> tables() const override { return {"users", "user_roles", "user_counts", "role_counts"}; }

  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    PgArray id, tenant_id, email, full_name, parent, at, version, role_tenant, role_user, role;
    std::map<std::string, const events::Envelope*> last_status;  // per user: later changes win
    for (const auto& e : batch) {
      if (e.type == events::types::user_deactivated || e.type == events::types::user_reactivated) {
        auto doc = core::JsonDocument::parse(e.data);
        last_status[core::get_text(doc->root(), "user_id")] = &e;
        continue;
      }
      if (e.type != events::types::user_created) continue;
      auto doc = core::JsonDocument::parse(e.data);
      auto d = doc->root();
      auto user_id = core::get_string(d, "user_id");
      auto personal = d["personal"];
      id.add(user_id);
      tenant_id.add(std::string_view(e.tenant_id));
      email.add(core::get_string(personal.value(), "email").value_or(""));
      full_name.add(core::get_string(personal.value(), "full_name").value_or(""));
      parent.add(core::get_string(d, "parent_user_id"));
      at.add(std::string_view(e.time));
      version.add(e.sequence);
      simdjson::dom::array listed;
      if (d["roles"].get(listed) == simdjson::SUCCESS)
        for (auto r : listed) {
          role_tenant.add(std::string_view(e.tenant_id));
          role_user.add(user_id);
          role.add(std::string_view(r));
        }
    }
    if (id.size() > 0)
      tx.exec_params(kInsertUsers, id.literal(), tenant_id.literal(), email.literal(), full_name.literal(),
                     parent.literal(), at.literal(), version.literal(), role_tenant.literal(), role_user.literal(),
                     role.literal());
    if (last_status.empty()) return;
    PgArray who, status, status_version, status_at;
    for (const auto& [user, e] : last_status) {
      who.add(std::string_view(user));
      status.add(std::string_view(e->type == events::types::user_reactivated ? "active" : "deactivated"));
      status_version.add(e->sequence);
      status_at.add(std::string_view(e->time));
    }
    tx.exec_params(kSetStatus, who.literal(), status.literal(), status_version.literal(), status_at.literal());
  }
};

}  // namespace

std::unique_ptr<Projection> make_users_projection() { return std::make_unique<UsersProjection>(); }


}  // namespace regent::projections
