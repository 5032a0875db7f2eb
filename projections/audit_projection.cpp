// The audit trail: one entry per valid event of every type, present and future, written with one
// statement per batch in the batch's transaction. A new event type needs no code here to appear in
// it. Personal fields are as the decrypting reader gives them, and an erasure nulls them in the
// entries its user's key had sealed (a rebuild reads them as null anyway).
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <pqxx/pqxx>

#include "core/ids.hpp"
#include "events/event_types.hpp"
#include "projections/audit.hpp"
#include "projections/read_models.hpp"
#include "projections/sql_arrays.hpp"

namespace regent::projections {
namespace {
namespace types = events::types;

// The entries, and the per-day counts of those actually written (a replayed event, already there,
// counts once), in one statement.
constexpr const char* kInsert = R"(
  WITH written AS (
    INSERT INTO audit_entries (id, tenant_id, log_partition, log_offset, at, actor_id, actor_type, action, resource_type,
                               resource_id, request_id, ip, user_agent, details, user_id)
    SELECT id, tenant_id, p, o, at, actor_id, actor_type, action, resource_type, resource_id, request_id, ip, user_agent,
           details::jsonb, owner
    FROM unnest($1::uuid[], $2::uuid[], $3::integer[], $4::bigint[], $5::timestamptz[], $6::text[], $7::text[], $8::text[],
                $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::uuid[])
      AS e(id, tenant_id, p, o, at, actor_id, actor_type, action, resource_type, resource_id, request_id, ip, user_agent,
           details, owner)
    ON CONFLICT (id) DO NOTHING
    RETURNING tenant_id, (at AT TIME ZONE 'UTC')::date AS day, action, actor_type, COALESCE(actor_id, '') AS actor_id),
  by_action AS (
    INSERT INTO audit_daily_actions AS d (tenant_id, day, action, n)
    SELECT tenant_id, day, action, count(*) FROM written GROUP BY tenant_id, day, action
    ON CONFLICT (tenant_id, day, action) DO UPDATE SET n = d.n + excluded.n)
  INSERT INTO audit_daily_actors AS d (tenant_id, day, actor_type, actor_id, n)
  SELECT tenant_id, day, actor_type, actor_id, count(*) FROM written GROUP BY tenant_id, day, actor_type, actor_id
  ON CONFLICT (tenant_id, day, actor_type, actor_id) DO UPDATE SET n = d.n + excluded.n)";

// An erased user's (or a revoked invitee's) personal fields, in every entry its key sealed: null,
// the entry's shape kept. First the details sealed under its key, in the entries about it...
constexpr const char* kEraseDetails = R"(
  UPDATE audit_entries a SET
    details = jsonb_set(a.details, '{personal}', (SELECT COALESCE(jsonb_object_agg(k, NULL), '{}'::jsonb)
                                                  FROM jsonb_object_keys(a.details->'personal') k))
  FROM unnest($1::uuid[], $2::uuid[]) AS erased(tenant_id, user_id)
  WHERE a.tenant_id = erased.tenant_id AND a.user_id = erased.user_id AND jsonb_typeof(a.details->'personal') = 'object')";

// ...then the origin (ip, user agent) of every request it made, in any tenant (a super_admin acts
// in several): the actor index is walked once per tenant the trail has (a loose index scan).
constexpr const char* kEraseOrigins = R"(
  WITH RECURSIVE t(tenant_id) AS (
    (SELECT tenant_id FROM audit_entries ORDER BY tenant_id LIMIT 1)
    UNION ALL
    SELECT (SELECT tenant_id FROM audit_entries WHERE tenant_id > t.tenant_id ORDER BY tenant_id LIMIT 1)
    FROM t WHERE t.tenant_id IS NOT NULL)
  UPDATE audit_entries a SET ip = NULL, user_agent = NULL
  FROM t, unnest($1::text[]) AS erased(actor_id)
  WHERE a.tenant_id = t.tenant_id AND a.actor_id = erased.actor_id AND a.actor_type = 'user'
    AND (a.ip IS NOT NULL OR a.user_agent IS NOT NULL))";

constexpr std::array<std::string_view, 5> kSecrets = {"password_hash", "refresh_token_hash", "token_hash", "key_hash",
                                                      "nonce"};

std::optional<std::string_view> nonempty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string_view>(s);
}

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}

class AuditProjection final : public Projection {
 public:
  std::string name() const override { return "audit"; }
  int version() const override { return 2; }
  bool reads_origin() const override { return true; }
  std::vector<std::string> tables() const override {
    return {"audit_entries", "audit_daily_actions", "audit_daily_actors"};
  }

  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    PgArray id, tenant, partition, offset, at, actor, actor_type, action, rtype, rid, request, ip, agent, details, owner;
    PgArray erased_tenant, erased;
    for (const auto& e : batch) {
      if (e.tenant_id.empty()) continue;  // nothing but a tenant's events is audited
      auto resource = audit_resource(e.subject);
      auto d = audit_details(e.data);
      id.add(std::string_view(e.id));
      tenant.add(std::string_view(e.tenant_id));
      partition.add(int64_t{e.log_partition});
      offset.add(e.log_offset);
      at.add(std::string_view(e.time));
      actor.add(nonempty(e.actor_id));
      actor_type.add(std::string_view(e.actor_type));
      action.add(std::string_view(e.type));
      rtype.add(std::string_view(resource.type));
      rid.add(std::string_view(resource.id));
      request.add(nonempty(e.request_id));
      // The request's origin from the envelope; a sign-in from before envelopes carried it has it in
      // its data.
      bool enveloped = !e.ip.empty() || !e.user_agent.empty();
      ip.add(enveloped ? nonempty(e.ip) : view(d.ip));
      agent.add(enveloped ? nonempty(e.user_agent) : view(d.user_agent));
      details.add(std::string_view(d.json));
      bool owned = core::is_uuid(d.user_id);
      owner.add(owned ? std::optional<std::string_view>(d.user_id) : std::nullopt);
      // Erasing a user, or revoking an invitation (its invitee's key goes with it).
      bool shreds = e.type == types::user_erased || e.type == types::invitation_revoked;
      if (shreds && owned) {
        erased_tenant.add(std::string_view(e.tenant_id));
        erased.add(std::string_view(d.user_id));
      }
    }
    if (id.size() > 0)
      tx.exec_params(kInsert, id.literal(), tenant.literal(), partition.literal(), offset.literal(), at.literal(),
                     actor.literal(), actor_type.literal(), action.literal(), rtype.literal(), rid.literal(),
                     request.literal(), ip.literal(), agent.literal(), details.literal(), owner.literal());
    if (erased.size() > 0) {
      tx.exec_params(kEraseDetails, erased_tenant.literal(), erased.literal());
      tx.exec_params(kEraseOrigins, erased.literal());
    }
  }
};

std::string singular(std::string_view collection) {
  static const std::array<std::pair<std::string_view, std::string_view>, 9> names = {{{"users", "user"},
                                                                                       {"tenants", "tenant"},
                                                                                       {"invitations", "invitation"},
                                                                                       {"activities", "activity"},
                                                                                       {"permissions", "permission"},
                                                                                       {"sessions", "session"},
                                                                                       {"api-keys", "api_key"},
                                                                                       {"api_keys", "api_key"},
                                                                                       {"webhooks", "webhook"}}};
  for (auto [plural, one] : names)
    if (collection == plural) return std::string(one);
  return std::string(collection);
}
}  // namespace

AuditResource audit_resource(std::string_view subject) {
  std::vector<std::string_view> parts;
  for (size_t start = 0; start <= subject.size();) {
    size_t slash = std::min(subject.find('/', start), subject.size());
    parts.push_back(subject.substr(start, slash - start));
    start = slash + 1;
  }
  if (parts.size() < 2) return {std::string(subject), ""};
  if (parts.size() % 2 == 1) return {std::string(parts.back()), std::string(parts[parts.size() - 2])};
  return {singular(parts[parts.size() - 2]), std::string(parts.back())};
}

AuditDetails audit_details(std::string_view data) {
  AuditDetails out;
  boost::system::error_code ec;
  auto v = boost::json::parse(data, ec);
  if (ec || !v.is_object()) {
    out.json = "{}";
    return out;
  }
  auto& o = v.as_object();
  for (auto key : kSecrets) o.erase(key);
  auto text = [](const boost::json::value* v) {
    return v && v->is_string() ? std::optional<std::string>(std::string(v->as_string())) : std::nullopt;
  };
  out.user_id = text(o.if_contains("user_id")).value_or("");
  if (auto* personal = o.if_contains("personal"); personal && personal->is_object()) {
    out.ip = text(personal->as_object().if_contains("ip"));
    out.user_agent = text(personal->as_object().if_contains("user_agent"));
  }
  out.json = boost::json::serialize(o);
  return out;
}

std::unique_ptr<Projection> make_audit_projection() { return std::make_unique<AuditProjection>(); }

}  // namespace regent::projections
