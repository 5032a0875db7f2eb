#pragma once
// The audit trail's queries (schemas/sql/0013_audit.sql): newest first by id, every filter one
// range of its own index, `from`/`to` on the entries' time and, for the index, as id bounds (event
// ids are UUIDv7, ordered by the time they were written).
#include <optional>
#include <string>
#include <vector>

#include "api/queries.hpp"
#include "core/clock.hpp"

namespace regent::api {

std::vector<core::PgQueries::Statement> audit_statements();

struct AuditFilter {
  std::string actor_id;
  std::string action;        // an event type
  std::string action_group;  // "user" for `user.*`
  std::string resource_type;
  std::string resource_id;
  std::optional<core::UnixMillis> from;  // inclusive
  std::optional<core::UnixMillis> to;    // exclusive
  std::string before_id;                 // keyset position
  int limit = 50;
};

Page list_audit(core::PgQueries& pg, const core::TenantId& tenant, const AuditFilter& f);

// What each reading below sends: one of audit_statements() and its parameters (bench/audit runs
// the same ones, and shows their plans).
struct AuditQuery {
  std::string statement;
  std::vector<std::string> params;
};
AuditQuery audit_query(const core::TenantId& tenant, const AuditFilter& f);
AuditQuery audit_stats_query(const core::TenantId& tenant, std::optional<core::UnixMillis> from,
                             std::optional<core::UnixMillis> to);
AuditQuery user_audit_query(const core::TenantId& tenant, const std::string& user_id, const std::string& before_id,
                            int limit);

// GET /v1/audit/stats: {"total", "by_action": {type: n}, "by_actor": [{actor_id, actor_type, count}]
// (the 100 most active), "actors" (how many there were), "by_day": [{day, count}]} over the entries
// the listing gives for the same range.
std::string audit_stats(core::PgQueries& pg, const core::TenantId& tenant, std::optional<core::UnixMillis> from,
                        std::optional<core::UnixMillis> to);

// The entries where `user_id` (a UUID) acts or is the user the event is about, newest first.
Page list_user_audit(core::PgQueries& pg, const core::TenantId& tenant, const std::string& user_id,
                     const std::string& before_id, int limit);

// The smallest UUIDv7 of millisecond `ms`: ids of events at or after it are not below it.
std::string uuid_floor(core::UnixMillis ms);

}  // namespace regent::api
