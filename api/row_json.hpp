#pragma once
// Answers built from a row's columns. Postgres's json_build_object and to_char cost more than the
// lookup itself (a user read cost Postgres twice a wallet read), and the one backend of a query
// connection is the narrowest part of a read; written here, the same JSON costs a fraction of that
// on the I/O threads. The compact style is the one core::compact_json gives Postgres-built JSON.
#include <span>
#include <string>
#include <string_view>

#include "core/pg_queries.hpp"

namespace regent::api {

enum class Column {
  text,    // a JSON string
  number,  // written as Postgres gives it (integers, numerics)
  json,    // json or jsonb, compacted
  time,    // timestamptz, in a session whose TimeZone is UTC: RFC 3339 with milliseconds
};

struct Field {
  std::string_view name;
  Column kind;
};

// Appends {"name":value,...} for the columns first, first+1, ... of `row`; NULL is null.
void append_row_json(std::string& out, const core::PgRows& rows, int row, int first, std::span<const Field> fields);
std::string row_json(const core::PgRows& rows, int row, int first, std::span<const Field> fields);

// A string as a JSON string literal.
void append_json_string(std::string& out, std::string_view s);

// "2026-12-01 15:22:24.7+00" (Postgres's ISO output in UTC) as "2026-12-01T15:22:24.700Z".
void append_rfc3339(std::string& out, std::string_view pg_time);

}  // namespace regent::api
