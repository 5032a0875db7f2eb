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

constexpr const char* kRename = R"(
  UPDATE tenants SET name = $2, version = $3, updated_at = $4::timestamptz WHERE id = $1::uuid AND version < $3)";

constexpr const char* kChangeSettings = R"(
  UPDATE tenants SET settings = $2::jsonb, version = $3, updated_at = $4::timestamptz WHERE id = $1::uuid AND version < $3)";

class TenantsProjection final : public Projection {
 public:
  std::string name() const override { return "tenants"; }
  int version() const override { return 1; }
  std::vector<std::string> tables() const override { return {"tenants"}; }
  bool handles(std::string_view type) const override { return type.starts_with("tenant."); }

  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    namespace types = events::types;
    for (const auto& e : batch) {
      if (e.type != types::tenant_created && e.type != types::tenant_renamed && e.type != types::tenant_settings_changed)
        continue;
      auto doc = core::JsonDocument::parse(e.data);
      auto d = doc->root();
      std::string name(core::get_string(d, "name").value_or(""));
      if (e.type == types::tenant_created)
        tx.exec_params(kInsertTenant, e.tenant_id, core::get_text(d, "slug"), name,
                       simdjson::to_string(d["settings"]), e.time, e.sequence);
      else if (e.type == types::tenant_renamed)
        tx.exec_params(kRename, e.tenant_id, name, e.sequence, e.time);
      else
        tx.exec_params(kChangeSettings, e.tenant_id, simdjson::to_string(d["settings"]), e.sequence, e.time);
    }
  }
};

}  // namespace

std::unique_ptr<Projection> make_tenants_projection() { return std::make_unique<TenantsProjection>(); }

}  // namespace regent::projections
