#include <pqxx/pqxx>

#include "core/json.hpp"
#include "events/event_types.hpp"
#include "projections/read_models.hpp"

namespace regent::projections {
namespace {

constexpr const char* kInsertTenant = R"(
  INSERT INTO tenants (id, slug, name, settings, created_at, updated_at, version)
  VALUES ($1::uuid, $2, $3, $4::jsonb, $5::timestamptz, $5::timestamptz, $6)
  ON CONFLICT (id) DO NOTHING)";

class TenantsProjection final : public Projection {
 public:
  std::string name() const override { return "tenants"; }

  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    for (const auto& e : batch) {
      if (e.type != events::types::tenant_created) continue;
      auto doc = core::JsonDocument::parse(e.data);
      auto d = doc->root();
      tx.exec_params(kInsertTenant, e.tenant_id, std::string(core::get_string(d, "slug").value_or("")),
                     std::string(core::get_string(d, "name").value_or("")),
                     simdjson::to_string(d["settings"]), e.time, e.sequence);
    }
  }
};

}  // namespace

std::unique_ptr<Projection> make_tenants_projection() { return std::make_unique<TenantsProjection>(); }

}  // namespace regent::projections
