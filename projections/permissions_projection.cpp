// The permissions read model: one row per permission request, moved by its decisions.
#include <map>
#include <pqxx/pqxx>

#include "core/json.hpp"
#include "events/event_types.hpp"
#include "projections/read_models.hpp"
#include "projections/sql_arrays.hpp"

namespace regent::projections {
namespace {
namespace types = events::types;

// Every permission.requested of a batch in one statement.
constexpr const char* kInsert = R"(
  INSERT INTO permissions (id, tenant_id, user_id, resource, level, status, reason, requested_by, requested_at,
                           expires_at, version)
  SELECT id, tenant_id, user_id, resource, level, 'pending', reason, requested_by, at, expires_at, version
  FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[],
              $9::timestamptz[], $10::bigint[])
    AS p(id, tenant_id, user_id, resource, level, reason, requested_by, at, expires_at, version)
  ON CONFLICT (id) DO NOTHING)";

// Per permission, where the batch's decisions leave it; a row already past that version stays.
constexpr const char* kDecide = R"(
  UPDATE permissions p SET status = c.status, version = c.version,
    decided_by = COALESCE(c.decided_by, p.decided_by), decided_at = COALESCE(c.decided_at, p.decided_at),
    decision_reason = COALESCE(c.decision_reason, p.decision_reason),
    expires_at = CASE WHEN c.sets_expiry THEN c.expires_at ELSE p.expires_at END
  FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[], $6::text[], $7::boolean[],
              $8::timestamptz[])
    AS c(id, status, version, decided_by, decided_at, decision_reason, sets_expiry, expires_at)
  WHERE p.id = c.id AND p.version < c.version)";

// The reasons of erased users' permissions (their sealed values no longer open; this clears what
// was written while they did).
constexpr const char* kErase = "UPDATE permissions SET reason = NULL, decision_reason = NULL WHERE user_id = ANY($1::uuid[])";

std::optional<std::string_view> personal_reason(simdjson::dom::element d) {
  simdjson::dom::element personal;
  if (d["personal"].get(personal) != simdjson::SUCCESS) return std::nullopt;
  return core::get_string(personal, "reason");
}

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}

class PermissionsProjection final : public Projection {
 public:
  std::string name() const override { return "permissions"; }
  int version() const override { return 2; }
  std::vector<std::string> tables() const override { return {"permissions"}; }
  bool handles(std::string_view type) const override {
    return type.starts_with("permission.") || type == types::user_erased;
  }

  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    PgArray id, tenant, user, resource, level, reason, requested_by, at, expires_at, version;
    std::map<std::string, Change> changes;
    PgArray erased;
    for (const auto& e : batch) {
      if (e.type == types::user_erased) {
        auto doc = core::JsonDocument::parse(e.data);
        erased.add(core::get_string(doc->root(), "user_id"));
        continue;
      }
      if (!e.type.starts_with("permission.")) continue;
      auto doc = core::JsonDocument::parse(e.data);
      auto d = doc->root();
      std::string key = core::get_text(d, "permission_id");
      if (e.type == types::permission_requested) {
        id.add(key);
        tenant.add(std::string_view(e.tenant_id));
        user.add(core::get_string(d, "user_id"));
        resource.add(core::get_string(d, "resource"));
        level.add(core::get_string(d, "level"));
        reason.add(personal_reason(d));
        requested_by.add(std::string_view(e.actor_id));
        at.add(std::string_view(e.time));
        expires_at.add(core::get_string(d, "expires_at"));
        version.add(e.sequence);
        continue;
      }
      Change& c = changes[key];
      c.version = e.sequence;
      // A decision's type names the status it leaves (commands/permissions.hpp: "permission." + status).
      c.status = e.type.substr(e.type.find('.') + 1);
      if (e.type == types::permission_expired) continue;
      c.decided_by = e.actor_id;
      c.decided_at = e.time;
      if (e.type == types::permission_approved) {
        c.sets_expiry = true;
        if (auto ends = core::get_string(d, "expires_at")) c.expires_at = std::string(*ends);
      } else if (auto why = personal_reason(d)) {
        c.decision_reason = std::string(*why);
      }
    }
    if (id.size() > 0)
      tx.exec_params(kInsert, id.literal(), tenant.literal(), user.literal(), resource.literal(), level.literal(),
                     reason.literal(), requested_by.literal(), at.literal(), expires_at.literal(), version.literal());
    if (!changes.empty()) decide(tx, changes);
    if (erased.size() > 0) tx.exec_params(kErase, erased.literal());
  }

 private:
  struct Change {
    std::string status;
    int64_t version = 0;
    std::optional<std::string> decided_by, decided_at, decision_reason, expires_at;
    bool sets_expiry = false;
  };
  static void decide(pqxx::work& tx, const std::map<std::string, Change>& changes) {
    PgArray who, status, changed_version, decided_by, decided_at, decision_reason, sets_expiry, new_expiry;
    for (const auto& [key, c] : changes) {
      who.add(std::string_view(key));
      status.add(std::string_view(c.status));
      changed_version.add(c.version);
      decided_by.add(view(c.decided_by));
      decided_at.add(view(c.decided_at));
      decision_reason.add(view(c.decision_reason));
      sets_expiry.add(std::string_view(c.sets_expiry ? "true" : "false"));
      new_expiry.add(view(c.expires_at));
    }
    tx.exec_params(kDecide, who.literal(), status.literal(), changed_version.literal(), decided_by.literal(),
                   decided_at.literal(), decision_reason.literal(), sets_expiry.literal(), new_expiry.literal());
  }
};

}  // namespace

std::unique_ptr<Projection> make_permissions_projection() { return std::make_unique<PermissionsProjection>(); }

}  // namespace regent::projections
