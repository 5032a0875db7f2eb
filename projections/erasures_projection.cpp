// The erasures read model: every erasure the log records, and the deletion of the data keys they
// name, in the batch's transaction. The API deletes a key as soon as its erasure is appended; this
// makes sure of it should the process stop in between, and again in every rebuild (deleting a key
// twice changes nothing).
#include <pqxx/pqxx>

#include "core/data_keys.hpp"
#include "core/json.hpp"
#include "events/event_types.hpp"
#include "projections/read_models.hpp"
#include "projections/sql_arrays.hpp"

namespace regent::projections {
namespace {
namespace types = events::types;

constexpr const char* kInsert = R"(
  INSERT INTO erasures (user_id, tenant_id, kind, event_id, erased_at)
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::timestamptz[])
  ON CONFLICT (user_id) DO NOTHING)";

class ErasuresProjection final : public Projection {
 public:
  std::string name() const override { return "erasures"; }
  int version() const override { return 1; }
  std::vector<std::string> tables() const override { return {"erasures"}; }
  bool handles(std::string_view type) const override {
    return type == types::user_erased || type == types::invitation_revoked;
  }

  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    PgArray user, tenant, kind, event, at;
    std::vector<std::string> keys;
    for (const auto& e : batch) {
      if (!handles(e.type)) continue;
      auto doc = core::JsonDocument::parse(e.data);
      std::string id = core::get_text(doc->root(), "user_id");
      if (id.empty()) continue;  // an invitation from before invitees had ids: nothing sealed under one
      user.add(std::string_view(id));
      tenant.add(std::string_view(e.tenant_id));
      kind.add(std::string_view(e.type == types::user_erased ? "user" : "invitation"));
      event.add(std::string_view(e.id));
      at.add(std::string_view(e.time));
      keys.push_back(std::move(id));
    }
    if (keys.empty()) return;
    tx.exec_params(kInsert, user.literal(), tenant.literal(), kind.literal(), event.literal(), at.literal());
    core::DataKeys::erase_in(tx, keys);
  }
};

}  // namespace

std::unique_ptr<Projection> make_erasures_projection() { return std::make_unique<ErasuresProjection>(); }

}  // namespace regent::projections
