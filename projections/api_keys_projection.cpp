#include <map>
#include <pqxx/pqxx>

#include "core/json.hpp"
#include "events/event_types.hpp"
#include "projections/read_models.hpp"
#include "projections/sql_arrays.hpp"

namespace regent::projections {
namespace {

// Every api_key.created of a batch in one statement; scopes travel comma-joined (a scope has no comma).
constexpr const char* kInsertKeys = R"(
  INSERT INTO api_keys (id, tenant_id, name, prefix, scopes, created_by, created_at, expires_at, version)
  SELECT id, tenant_id, name, prefix, string_to_array(scopes, ','), created_by, at, expires_at, version
  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
              $8::timestamptz[], $9::bigint[])
    AS k(id, tenant_id, name, prefix, scopes, created_by, at, expires_at, version)
  ON CONFLICT (id) DO NOTHING)";

// Per key, what the batch's later events leave: revoked (when), last used (when), its version.
constexpr const char* kChangeKeys = R"(
  UPDATE api_keys k SET revoked_at = COALESCE(c.revoked_at, k.revoked_at),
                        last_used_at = COALESCE(c.used_at, k.last_used_at), version = c.version
  FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::bigint[]) AS c(id, revoked_at, used_at, version)
  WHERE k.id = c.id AND k.version < c.version)";

std::string joined(simdjson::dom::element list) {
  std::string out;
  simdjson::dom::array a;
  if (list.get(a) == simdjson::SUCCESS)
    for (auto v : a) out += (out.empty() ? "" : ",") + std::string(std::string_view(v));
  return out;
}

class ApiKeysProjection final : public Projection {
 public:
  std::string name() const override { return "api_keys"; }
  int version() const override { return 1; }
  std::vector<std::string> tables() const override { return {"api_keys"}; }
  bool handles(std::string_view type) const override { return type.starts_with("api_key."); }

  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    namespace types = events::types;
    PgArray id, tenant, name, prefix, scopes, created_by, at, expires_at, version;
    struct Change {
      std::optional<std::string> revoked_at, used_at;
      int64_t version = 0;
    };
    std::map<std::string, Change> changes;
    for (const auto& e : batch) {
      if (e.type != types::api_key_created && e.type != types::api_key_revoked && e.type != types::api_key_used) continue;
      auto doc = core::JsonDocument::parse(e.data);
      auto d = doc->root();
      std::string key = core::get_text(d, "api_key_id");
      if (e.type == types::api_key_created) {
        id.add(key);
        tenant.add(std::string_view(e.tenant_id));
        name.add(core::get_string(d, "name"));
        prefix.add(core::get_string(d, "prefix"));
        std::string list = joined(d["scopes"]);
        scopes.add(std::string_view(list));
        created_by.add(std::string_view(e.actor_id));
        at.add(std::string_view(e.time));
        expires_at.add(core::get_string(d, "expires_at"));
        version.add(e.sequence);
        continue;
      }
      Change& c = changes[key];
      (e.type == types::api_key_revoked ? c.revoked_at : c.used_at) = e.time;
      c.version = e.sequence;
    }
    if (id.size() > 0)
      tx.exec_params(kInsertKeys, id.literal(), tenant.literal(), name.literal(), prefix.literal(), scopes.literal(),
                     created_by.literal(), at.literal(), expires_at.literal(), version.literal());
    if (changes.empty()) return;
    PgArray who, revoked_at, used_at, changed_version;
    for (const auto& [key, c] : changes) {
      who.add(std::string_view(key));
      revoked_at.add(c.revoked_at ? std::optional<std::string_view>(*c.revoked_at) : std::nullopt);
      used_at.add(c.used_at ? std::optional<std::string_view>(*c.used_at) : std::nullopt);
      changed_version.add(c.version);
    }
    tx.exec_params(kChangeKeys, who.literal(), revoked_at.literal(), used_at.literal(), changed_version.literal());
  }
};

}  // namespace

std::unique_ptr<Projection> make_api_keys_projection() { return std::make_unique<ApiKeysProjection>(); }

}  // namespace regent::projections
