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

// The smallest UUIDv7 of millisecond `ms`: ids of events at or after it are not below it.
std::string uuid_floor(core::UnixMillis ms);

}  // namespace regent::api
