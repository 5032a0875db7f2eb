#pragma once
// SQL fragments shared by the queries that let Postgres build response JSON.

// A timestamptz as the API writes times: RFC 3339, UTC, milliseconds.
#define REGENT_SQL_TIME(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
