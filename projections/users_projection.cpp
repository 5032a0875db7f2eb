#include <pqxx/pqxx>

#include "core/json.hpp"
#include "events/event_types.hpp"
#include "projections/read_models.hpp"
#include "projections/sql_arrays.hpp"

namespace regent::projections {
namespace {

// The counters behind the dashboard move only with rows that were really inserted.
constexpr const char* kInsertUser = R"(
  WITH inserted AS (
    INSERT INTO users (id, tenant_id, email, full_name, status, parent_user_id, created_at, updated_at, version)
    VALUES ($1::uuid, $2::uuid, $3, $4, 'active', NULLIF($5, '')::uuid, $6::timestamptz, $6::timestamptz, $7)
    ON CONFLICT (id) DO NOTHING
    RETURNING tenant_id, status)
  INSERT INTO user_counts (tenant_id, status, count)
  SELECT tenant_id, status, 1 FROM inserted
  ON CONFLICT (tenant_id, status) DO UPDATE SET count = user_counts.count + 1)";

constexpr const char* kInsertRoles = R"(
  WITH inserted AS (
    INSERT INTO user_roles (tenant_id, user_id, role)
    SELECT $1::uuid, $2::uuid, unnest($3::text[])
    ON CONFLICT DO NOTHING
    RETURNING tenant_id, role)
  INSERT INTO role_counts (tenant_id, role, count)
  SELECT tenant_id, role, count(*) FROM inserted GROUP BY tenant_id, role
  ON CONFLICT (tenant_id, role) DO UPDATE SET count = role_counts.count + EXCLUDED.count)";

class UsersProjection final : public Projection {
 public:
  std::string name() const override { return "users"; }

  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    for (const auto& e : batch) {
      if (e.type != events::types::user_created) continue;
      auto doc = core::JsonDocument::parse(e.data);
      auto d = doc->root();
      std::string user_id(core::get_string(d, "user_id").value_or(""));
      auto personal = d["personal"];
      std::string_view parent;
      if (d["parent_user_id"].get(parent) != simdjson::SUCCESS) parent = "";
      tx.exec_params(kInsertUser, user_id, e.tenant_id,
                     core::get_text(personal.value(), "email"),
                     core::get_text(personal.value(), "full_name"),
                     std::string(parent), e.time, e.sequence);
      PgArray roles;
      simdjson::dom::array listed;
      if (d["roles"].get(listed) == simdjson::SUCCESS)
        for (auto r : listed) roles.add(std::string_view(r));
      tx.exec_params(kInsertRoles, e.tenant_id, user_id, roles.literal());
    }
  }
};

}  // namespace

std::unique_ptr<Projection> make_users_projection() { return std::make_unique<UsersProjection>(); }


}  // namespace regent::projections
