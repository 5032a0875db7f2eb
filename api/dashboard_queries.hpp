#pragma once
// The dashboards read aggregates the projections keep (user_counts, role_counts, wallet_totals,
// revenue_daily, activity_counts): their cost does not grow with the number of transactions.
#include <optional>
#include <string>

#include "core/ids.hpp"

#include "core/pg_queries.hpp"

namespace regent::api {

std::vector<core::PgQueries::Statement> dashboard_statements();

// GET /v1/dashboard/summary for one tenant; `today` is the UTC date (YYYY-MM-DD) revenue counts from.
std::string dashboard_summary(core::PgQueries& pg, const core::TenantId& tenant, const std::string& today);

// GET /v1/admin/dashboard: the same across every tenant, with money also split by currency.
std::string admin_dashboard(core::PgQueries& pg, const std::string& today);

// Revenue per period ("day", "month" or "year") from the period holding `first` (a date) to the
// one holding `last`, every period present (zero when nothing was debited).
std::string revenue_series(core::PgQueries& pg, const core::TenantId& tenant, const std::string& granularity,
                           const std::string& first, const std::string& last);

}  // namespace regent::api
