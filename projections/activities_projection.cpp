#include <pqxx/pqxx>

#include "core/json.hpp"
#include "events/event_types.hpp"
#include "projections/read_models.hpp"
#include "projections/sql_arrays.hpp"

namespace regent::projections {
namespace {

// Every activity of a batch in one statement, and the counters behind the dashboard, which move
// only with rows really inserted.
constexpr const char* kRecordActivities = R"(
  WITH a AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::bigint[], $7::text[],
                         $8::text[], $9::timestamptz[])
      AS a(id, tenant_id, user_id, charged_user_id, type, cost, currency, transaction_id, created_at)),
  inserted AS (
    INSERT INTO activities (id, tenant_id, user_id, charged_user_id, type, cost, currency, transaction_id, created_at)
    SELECT id, tenant_id, user_id, charged_user_id, type, cost, currency, NULLIF(transaction_id, '')::uuid, created_at
    FROM a
    ON CONFLICT (id) DO NOTHING
    RETURNING tenant_id, type)
  INSERT INTO activity_counts (tenant_id, type, count)
  SELECT tenant_id, type, count(*) FROM inserted GROUP BY tenant_id, type
  ON CONFLICT (tenant_id, type) DO UPDATE SET count = activity_counts.count + EXCLUDED.count)";

class ActivitiesProjection final : public Projection {
 public:
  std::string name() const override { return "activities"; }
  int version() const override { return 1; }
  std::vector<std::string> tables() const override { return {"activities", "activity_counts"}; }
  bool handles(std::string_view type) const override { return type == events::types::activity_recorded; }

  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    PgArray id, tenant_id, user_id, charged, type, cost, currency, transaction_id, at;
    for (const auto& e : batch) {
      if (e.type != events::types::activity_recorded) continue;
      auto doc = core::JsonDocument::parse(e.data);
      auto d = doc->root();
      id.add(core::get_string(d, "activity_id"));
      tenant_id.add(std::string_view(e.tenant_id));
      user_id.add(core::get_string(d, "user_id"));
      charged.add(core::get_string(d, "charged_user_id"));
      type.add(core::get_string(d, "type"));
      cost.add(core::get_int(d, "cost").value_or(0));
      currency.add(core::get_string(d, "currency"));
      transaction_id.add(std::string_view(core::get_text(d, "transaction_id")));
      at.add(std::string_view(e.time));
    }
    if (id.size() == 0) return;
    tx.exec_params(kRecordActivities, id.literal(), tenant_id.literal(), user_id.literal(), charged.literal(),
                   type.literal(), cost.literal(), currency.literal(), transaction_id.literal(), at.literal());
  }
};

}  // namespace

std::unique_ptr<Projection> make_activities_projection() { return std::make_unique<ActivitiesProjection>(); }

}  // namespace regent::projections
