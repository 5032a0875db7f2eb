#include "api/audit_queries.hpp"

#include <algorithm>
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

// The entries a user's export holds: where it acts, and where it is the one an event is about — two
// ranges of two indexes, merged a page at a time.
const std::string kOfUser =
    "SELECT id, entry FROM ("
    "(SELECT a.id::text AS id, " REGENT_AUDIT_JSON " AS entry FROM audit_entries a WHERE a.tenant_id = $1::uuid"
    " AND a.actor_id = $2 AND a.id < $3::uuid ORDER BY a.actor_id, a.id DESC LIMIT $4::bigint)"
    " UNION "
    "(SELECT a.id::text, " REGENT_AUDIT_JSON " FROM audit_entries a WHERE a.tenant_id = $1::uuid"
    " AND a.user_id = $2::uuid AND a.id < $3::uuid ORDER BY a.user_id, a.id DESC LIMIT $4::bigint)"
    ") x ORDER BY id DESC LIMIT $4::bigint";

// What happened in a time range, counted three ways over the entries the listing gives for it:
// by action, by actor (the most active 100), by UTC day. Its whole days come from the daily counts
// (schemas/sql/0015_audit_daily.sql), its partial first and last days from the entries ($2-$9: two
// ranges, as the listing bounds them); $10 and $11 are the whole days, [from, to).
const std::string kStats = R"(
  WITH edge AS MATERIALIZED (
    SELECT a.action, a.actor_type, COALESCE(a.actor_id, '') AS actor_id, (a.at AT TIME ZONE 'UTC')::date AS day
    FROM audit_entries a
    WHERE a.tenant_id = $1::uuid AND a.id < $2::uuid AND a.id >= $3::uuid AND a.at >= $4::timestamptz AND a.at < $5::timestamptz
    UNION ALL
    SELECT a.action, a.actor_type, COALESCE(a.actor_id, ''), (a.at AT TIME ZONE 'UTC')::date
    FROM audit_entries a
    WHERE a.tenant_id = $1::uuid AND a.id < $6::uuid AND a.id >= $7::uuid AND a.at >= $8::timestamptz AND a.at < $9::timestamptz),
  actions AS MATERIALIZED (
    SELECT action, day, n FROM audit_daily_actions WHERE tenant_id = $1::uuid AND day >= $10::date AND day < $11::date
    UNION ALL
    SELECT action, day, count(*) FROM edge GROUP BY action, day),
  actors AS MATERIALIZED (
    SELECT actor_type, actor_id, sum(n) AS n FROM (
      SELECT actor_type, actor_id, n FROM audit_daily_actors WHERE tenant_id = $1::uuid AND day >= $10::date AND day < $11::date
      UNION ALL
      SELECT actor_type, actor_id, count(*) FROM edge GROUP BY actor_type, actor_id) u
    GROUP BY actor_type, actor_id HAVING sum(n) > 0)
  SELECT json_build_object(
    'total', (SELECT COALESCE(sum(n), 0) FROM actions),
    'by_action', COALESCE((SELECT json_object_agg(action, n ORDER BY action)
                           FROM (SELECT action, sum(n) AS n FROM actions GROUP BY action HAVING sum(n) > 0) x), '{}'::json),
    'by_actor', COALESCE((SELECT json_agg(json_build_object('actor_id', NULLIF(actor_id, ''), 'actor_type', actor_type,
                                                            'count', n) ORDER BY n DESC, actor_type, actor_id)
                          FROM (SELECT * FROM actors ORDER BY n DESC, actor_type, actor_id LIMIT 100) y), '[]'::json),
    'actors', (SELECT count(*) FROM actors),
    'by_day', COALESCE((SELECT json_agg(json_build_object('day', to_char(day, 'YYYY-MM-DD'), 'count', n) ORDER BY day)
                        FROM (SELECT day, sum(n) AS n FROM actions GROUP BY day HAVING sum(n) > 0) d), '[]'::json))::text)";

// The bounds of a range on the entries' time, and on their ids for the index. An event's id is
// made when it is written, a moment after the time it records (on another instance's clock, when
// the request was forwarded): the id bounds are that much wider.
constexpr const char* kLastId = "ffffffff-ffff-ffff-ffff-ffffffffffff";
constexpr const char* kFirstId = "00000000-0000-0000-0000-000000000000";

struct Bounds {
  std::string upper, lower, from, to;
};
Bounds bounds(std::optional<core::UnixMillis> from, std::optional<core::UnixMillis> to, const std::string& before_id) {
  constexpr core::UnixMillis kIdSlack = 5 * 60 * 1000;
  Bounds b;
  b.upper = before_id.empty() ? kLastId : before_id;
  if (to) b.upper = std::min(b.upper, uuid_floor(*to + kIdSlack));
  b.lower = from ? uuid_floor(*from - kIdSlack) : kFirstId;
  b.from = from ? core::format_rfc3339(*from) : "-infinity";
  b.to = to ? core::format_rfc3339(*to) : "infinity";
  return b;
}

}  // namespace

std::vector<core::PgQueries::Statement> audit_statements() {
  return {{"audit_of_user", kOfUser},
          {"audit_stats", kStats},
          {"audit_all", kAll},
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

AuditQuery audit_query(const core::TenantId& tenant, const AuditFilter& f) {
  auto b = bounds(f.from, f.to, f.before_id);
  // The most selective filter given leads (its index); the others filter within its range.
  const char* statement = !f.resource_id.empty() && !f.resource_type.empty() ? "audit_by_resource"
                          : !f.actor_id.empty()                              ? "audit_by_actor"
                          : !f.action.empty()                                ? "audit_by_action"
                          : !f.action_group.empty()                          ? "audit_by_group"
                                                                             : "audit_all";
  return {statement,
          {tenant.value, f.actor_id, f.action, f.action_group, f.resource_type, f.resource_id, b.upper, b.lower,
           std::to_string(f.limit + 1), b.from, b.to}};
}

AuditQuery audit_stats_query(const core::TenantId& tenant, std::optional<core::UnixMillis> from,
                             std::optional<core::UnixMillis> to) {
  constexpr core::UnixMillis kDay = 86400000;
  auto floor_day = [](core::UnixMillis t) { return t - ((t % kDay) + kDay) % kDay; };
  // The whole UTC days within [from, to): [first, last).
  std::optional<core::UnixMillis> first, last;
  if (from) first = floor_day(*from) == *from ? *from : floor_day(*from) + kDay;
  if (to) last = floor_day(*to);
  auto day = [](std::optional<core::UnixMillis> t, const char* unbounded) {
    return t ? core::format_rfc3339(*t).substr(0, 10) : std::string(unbounded);
  };
  // A range of entries as the listing bounds it ($2-$5, $6-$9), and one that holds none.
  auto entries = [](std::optional<core::UnixMillis> a, std::optional<core::UnixMillis> b) {
    auto r = bounds(a, b, "");
    return std::vector<std::string>{r.upper, r.lower, r.from, r.to};
  };
  const std::vector<std::string> none{kFirstId, kFirstId, "infinity", "infinity"};
  std::vector<std::string> head = none, tail = none;
  std::string first_day = "-infinity", last_day = "-infinity";  // no whole day
  if (first && last && *first >= *last) {
    head = entries(from, to);  // within one day: the range's own entries
  } else {
    if (from && *from < *first) head = entries(from, first);
    if (to && *last < *to) tail = entries(last, to);
    first_day = day(first, "-infinity");
    last_day = day(last, "infinity");
  }
  std::vector<std::string> params{tenant.value};
  params.insert(params.end(), head.begin(), head.end());
  params.insert(params.end(), tail.begin(), tail.end());
  params.push_back(first_day);
  params.push_back(last_day);
  return {"audit_stats", std::move(params)};
}

AuditQuery user_audit_query(const core::TenantId& tenant, const std::string& user_id, const std::string& before_id,
                            int limit) {
  return {"audit_of_user", {tenant.value, user_id, before_id.empty() ? kLastId : before_id, std::to_string(limit + 1)}};
}

namespace {
core::PgRows run(core::PgQueries& pg, const AuditQuery& q) {
  std::vector<core::PgQueries::Param> params(q.params.begin(), q.params.end());
  return query(pg, q.statement, std::move(params));
}
}  // namespace

Page list_audit(core::PgQueries& pg, const core::TenantId& tenant, const AuditFilter& f) {
  return page_of(run(pg, audit_query(tenant, f)), f.limit);
}

std::string audit_stats(core::PgQueries& pg, const core::TenantId& tenant, std::optional<core::UnixMillis> from,
                        std::optional<core::UnixMillis> to) {
  return std::string(run(pg, audit_stats_query(tenant, from, to)).text(0, 0));
}

Page list_user_audit(core::PgQueries& pg, const core::TenantId& tenant, const std::string& user_id,
                     const std::string& before_id, int limit) {
  return page_of(run(pg, user_audit_query(tenant, user_id, before_id, limit)), limit);
}

}  // namespace regent::api
