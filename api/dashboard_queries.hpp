#pragma once
// The dashboards read aggregates the projections keep (user_counts, role_counts, wallet_totals,
// revenue_daily, activity_counts): their cost does not grow with the number of transactions.
#include <optional>
#include <string>

#include "core/ids.hpp"

namespace regent::core {
class PgPool;
}

namespace regent::api {

// GET /v1/dashboard/summary for one tenant; `today` is the UTC date (YYYY-MM-DD) revenue counts from.
std::string dashboard_summary(core::PgPool& pg, const core::TenantId& tenant, const std::string& today);

// GET /v1/admin/dashboard: the same across every tenant, with money also split by currency.
std::string admin_dashboard(core::PgPool& pg, const std::string& today);

// Revenue per period ("day", "month" or "year") from the period holding `first` (a date) to the
// one holding `last`, every period present (zero when nothing was debited).
std::string revenue_series(core::PgPool& pg, const core::TenantId& tenant, const std::string& granularity,
                           const std::string& first, const std::string& last);

}  // namespace regent::api
