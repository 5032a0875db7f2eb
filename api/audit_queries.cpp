#include "api/audit_queries.hpp"

#include <cstdio>

#include "api/sql_json.hpp"

namespace regent::api {
namespace {

#define REGENT_AUDIT_JSON                                                                                          \
  "json_build_object('id', a.id, 'position', a.log_partition || '.' || a.log_offset, 'time', "                   \
  REGENT_SQL_TIME("a.at") ", 'tenant_id', a.tenant_id, 'actor_id', a.actor_id, 'actor_type', a.actor_type, "     \
  "'action', a.action, 'resource_type', a.resource_type, 'resource_id', a.resource_id, 'request_id', "           \
  "a.request_id, 'ip', a.ip, 'user_agent', a.user_agent, 'details', a.details)::text"

// The conditions every variant shares; each variant leads with the filter its index serves, so
// that the plan is that index's range whatever the other filters (generic plans included).
#define REGENT_AUDIT_WHERE                                                                 \
  " FROM audit_entries a WHERE a.tenant_id = $1::uuid"                                     \
  " AND ($2 = '' OR a.actor_id = $2) AND ($3 = '' OR a.action = $3)"                       \
  " AND ($4 = '' OR split_part(a.action, '.', 1) = $4)"                                    \
  " AND ($5 = '' OR a.resource_type = $5) AND ($6 = '' OR a.resource_id = $6)"             \
  " AND a.id < $7::uuid AND a.id >= $8::uuid"                                              \
  " AND a.at >= $10::timestamptz AND a.at < $11::timestamptz"

const std::string kSelect = "SELECT a.id::text, " REGENT_AUDIT_JSON REGENT_AUDIT_WHERE;
const std::string kAll = kSelect + " ORDER BY a.id DESC LIMIT $9::bigint";
const std::string kByActor = kSelect + " AND a.actor_id = $2 ORDER BY a.actor_id, a.id DESC LIMIT $9::bigint";
const std::string kByAction = kSelect + " AND a.action = $3 ORDER BY a.action, a.id DESC LIMIT $9::bigint";
const std::string kByGroup =
    kSelect + " AND split_part(a.action, '.', 1) = $4 ORDER BY split_part(a.action, '.', 1), a.id DESC LIMIT $9::bigint";
const std::string kByResource =
    kSelect + " AND a.resource_type = $5 AND a.resource_id = $6 ORDER BY a.resource_type, a.resource_id, a.id DESC LIMIT $9::bigint";

}  // namespace

std::vector<core::PgQueries::Statement> audit_statements() {
  return {{"audit_all", kAll},
          {"audit_by_actor", kByActor},
          {"audit_by_action", kByAction},
          {"audit_by_group", kByGroup},
          {"audit_by_resource", kByResource}};
}

std::string uuid_floor(core::UnixMillis ms) {
  char hex[13];
  std::snprintf(hex, sizeof hex, "%012llx", static_cast<unsigned long long>(ms < 0 ? 0 : ms) & 0xffffffffffffULL);
  std::string h(hex);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-0000-0000-000000000000";
}

Page list_audit(core::PgQueries& pg, const core::TenantId& tenant, const AuditFilter& f) {
  // An event's id is made when it is written, a moment after the time it records (on another
  // instance's clock, when the request was forwarded): `from` and `to` are on the time, and bound
  // the id, for the index, only that much wider.
  constexpr core::UnixMillis kIdSlack = 5 * 60 * 1000;
  std::string upper = f.before_id.empty() ? "ffffffff-ffff-ffff-ffff-ffffffffffff" : f.before_id;
  if (f.to) upper = std::min(upper, uuid_floor(*f.to + kIdSlack));
  std::string lower = f.from ? uuid_floor(*f.from - kIdSlack) : "00000000-0000-0000-0000-000000000000";
  std::string from = f.from ? core::format_rfc3339(*f.from) : "-infinity", to = f.to ? core::format_rfc3339(*f.to) : "infinity";
  // The most selective filter given leads (its index); the others filter within its range.
  const char* statement = !f.resource_id.empty() && !f.resource_type.empty() ? "audit_by_resource"
                          : !f.actor_id.empty()                              ? "audit_by_actor"
                          : !f.action.empty()                                ? "audit_by_action"
                          : !f.action_group.empty()                          ? "audit_by_group"
                                                                             : "audit_all";
  std::string rows = std::to_string(f.limit + 1);
  return page_of(query(pg, statement,
                       {tenant.value, f.actor_id, f.action, f.action_group, f.resource_type, f.resource_id, upper, lower, rows,
                        from, to}),
                 f.limit);
}

}  // namespace regent::api
