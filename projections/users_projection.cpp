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

class UsersProjection final : public Projection {
 public:
  std::string name() const override { return "users"; }
  int version() const override { return 1; }
  std::vector<std::string> tables() const override { return {"users", "user_roles", "user_counts", "role_counts"}; }

  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    PgArray id, tenant_id, email, full_name, parent, at, version, role_tenant, role_user, role;
    for (const auto& e : batch) {
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
    if (id.size() == 0) return;
    tx.exec_params(kInsertUsers, id.literal(), tenant_id.literal(), email.literal(), full_name.literal(),
                   parent.literal(), at.literal(), version.literal(), role_tenant.literal(), role_user.literal(),
                   role.literal());
  }
};

}  // namespace

std::unique_ptr<Projection> make_users_projection() { return std::make_unique<UsersProjection>(); }


}  // namespace regent::projections
