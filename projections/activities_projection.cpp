#include <pqxx/pqxx>

#include "core/json.hpp"
#include "events/event_types.hpp"
#include "projections/read_models.hpp"

namespace regent::projections {
namespace {

constexpr const char* kRecordActivity = R"(
  WITH a AS (
    INSERT INTO activities (id, tenant_id, user_id, charged_user_id, type, cost, currency, transaction_id, created_at)
    VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5, $6, $7, NULLIF($8, '')::uuid, $9::timestamptz)
    ON CONFLICT (id) DO NOTHING
    RETURNING tenant_id, type)
  INSERT INTO activity_counts (tenant_id, type, count) SELECT tenant_id, type, 1 FROM a
  ON CONFLICT (tenant_id, type) DO UPDATE SET count = activity_counts.count + 1)";

class ActivitiesProjection final : public Projection {
 public:
  std::string name() const override { return "activities"; }
  int version() const override { return 1; }
  std::vector<std::string> tables() const override { return {"activities", "activity_counts"}; }

  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    for (const auto& e : batch) {
      if (e.type != events::types::activity_recorded) continue;
      auto doc = core::JsonDocument::parse(e.data);
      auto d = doc->root();
      tx.exec_params(kRecordActivity, core::get_text(d, "activity_id"), e.tenant_id, core::get_text(d, "user_id"),
                     core::get_text(d, "charged_user_id"), core::get_text(d, "type"), core::get_int(d, "cost").value_or(0),
                     core::get_text(d, "currency"), core::get_text(d, "transaction_id"), e.time);
    }
  }
};

}  // namespace

std::unique_ptr<Projection> make_activities_projection() { return std::make_unique<ActivitiesProjection>(); }

}  // namespace regent::projections
