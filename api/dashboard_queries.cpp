#include "api/dashboard_queries.hpp"

#include "api/queries.hpp"

namespace regent::api {
namespace {

// Each fragment reads one aggregate; `$1` is a tenant id, or NULL for every tenant, and `$2` today.
#define REGENT_TENANT "($1::uuid IS NULL OR tenant_id = $1::uuid)"

constexpr const char* kUsers =
    "json_build_object("
    "'total', (SELECT COALESCE(sum(count), 0) FROM user_counts WHERE " REGENT_TENANT "), "
    "'active', (SELECT COALESCE(sum(count), 0) FROM user_counts WHERE " REGENT_TENANT " AND status = 'active'), "
    "'by_role', (SELECT json_object_agg(role, n ORDER BY role) FROM ("
    "  SELECT role, sum(n) AS n FROM ("
    "    SELECT unnest(ARRAY['admin', 'manager', 'analyst', 'viewer']) AS role, 0 AS n"
    "    UNION ALL SELECT role, count FROM role_counts WHERE " REGENT_TENANT ") r GROUP BY role) x))";

#define REGENT_REVENUE(since) \
  "(SELECT COALESCE(sum(amount), 0) FROM revenue_daily WHERE " REGENT_TENANT " AND day >= " since " AND day <= $2::date)"

constexpr const char* kRevenue =
    "json_build_object("
    "'today', " REGENT_REVENUE("$2::date") ", "
    "'month', " REGENT_REVENUE("date_trunc('month', $2::date)::date") ", "
    "'year', " REGENT_REVENUE("date_trunc('year', $2::date)::date") ")";

constexpr const char* kActivities =
    "json_build_object('by_type', (SELECT json_object_agg(type, n ORDER BY type) FROM ("
    "  SELECT type, sum(n) AS n FROM ("
    "    SELECT unnest(ARRAY['form_download', 'report_generation']) AS type, 0 AS n"
    "    UNION ALL SELECT type, count FROM activity_counts WHERE " REGENT_TENANT ") a GROUP BY type) x))";

const std::string kSummary =
    std::string("SELECT json_build_object('users', ") + kUsers +
    ", 'wallets', json_build_object('total_balance', "
    "(SELECT COALESCE(sum(total_balance), 0) FROM wallet_totals WHERE " REGENT_TENANT ")), "
    "'revenue', " + kRevenue + ", 'activities', " + kActivities +
    ", 'currency', (SELECT currency FROM wallet_totals WHERE tenant_id = $1::uuid))::text";

// Sums across currencies are given for the shape's sake; by_currency holds the meaningful figures.
const std::string kAdmin =
    std::string("SELECT json_build_object('tenants', json_build_object('total', (SELECT count(*) FROM tenants)), "
                "'users', ") + kUsers +
    ", 'wallets', json_build_object('total_balance', (SELECT COALESCE(sum(total_balance), 0) FROM wallet_totals)), "
    "'revenue', " + kRevenue + ", 'activities', " + kActivities +
    ", 'by_currency', COALESCE((SELECT json_object_agg(c.currency, json_build_object("
    "   'total_balance', c.total_balance, 'revenue', json_build_object("
    "     'today', COALESCE(r.today, 0), 'month', COALESCE(r.month, 0), 'year', COALESCE(r.year, 0))) ORDER BY c.currency)"
    " FROM (SELECT currency, sum(total_balance) AS total_balance FROM wallet_totals GROUP BY currency) c"
    " LEFT JOIN (SELECT currency,"
    "   sum(amount) FILTER (WHERE day = $2::date) AS today,"
    "   sum(amount) FILTER (WHERE day >= date_trunc('month', $2::date)::date) AS month,"
    "   sum(amount) AS year"
    "   FROM revenue_daily WHERE day >= date_trunc('year', $2::date)::date AND day <= $2::date GROUP BY currency) r"
    " USING (currency)), '{}'::json))::text";

const std::string kRevenueSeries = R"(
  WITH periods AS (
    SELECT generate_series($3::date, $4::date, ('1 ' || $2)::interval)::date AS period),
  sums AS (
    SELECT date_trunc($2, day)::date AS period, sum(amount) AS amount, sum(count) AS count
    FROM revenue_daily
    WHERE tenant_id = $1::uuid AND day >= $3::date AND day < ($4::date + ('1 ' || $2)::interval)
    GROUP BY 1)
  SELECT json_build_object(
    'granularity', $2,
    'currency', (SELECT currency FROM wallet_totals WHERE tenant_id = $1::uuid),
    'items', COALESCE(json_agg(json_build_object(
        'period', to_char(p.period, CASE $2 WHEN 'day' THEN 'YYYY-MM-DD' WHEN 'month' THEN 'YYYY-MM' ELSE 'YYYY' END),
        'amount', COALESCE(s.amount, 0), 'count', COALESCE(s.count, 0)) ORDER BY p.period), '[]'::json))::text
  FROM periods p LEFT JOIN sums s USING (period))";

}  // namespace

std::vector<core::PgQueries::Statement> dashboard_statements() {
  return {{"dashboard_summary", kSummary}, {"admin_dashboard", kAdmin}, {"revenue_series", kRevenueSeries}};
}

std::string dashboard_summary(core::PgQueries& pg, const core::TenantId& tenant, const std::string& today) {
  return one_json(pg, "dashboard_summary", {tenant.value, today}).value_or("{}");
}

std::string admin_dashboard(core::PgQueries& pg, const std::string& today) {
  return one_json(pg, "admin_dashboard", {std::nullopt, today}).value_or("{}");
}

std::string revenue_series(core::PgQueries& pg, const core::TenantId& tenant, const std::string& granularity,
                           const std::string& first, const std::string& last) {
  return one_json(pg, "revenue_series", {tenant.value, granularity, first, last}).value_or("{}");
}

}  // namespace regent::api
