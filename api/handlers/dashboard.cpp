#include <chrono>
#include <cstdio>

#include "api/dashboard_queries.hpp"
#include "api/handlers/handlers.hpp"
#include "api/problem.hpp"
#include "api/query_params.hpp"
#include "api/support.hpp"

namespace regent::api::handlers {
namespace {
using namespace std::chrono;

constexpr long kMaxPeriods = 1000;
const std::vector<std::string> kDashboardModels = {"users", "wallets", "activities"};

year_month_day utc_date(core::UnixMillis ms) { return year_month_day{floor<days>(sys_time<milliseconds>{milliseconds{ms}})}; }

std::string iso_date(year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(d.year()), unsigned(d.month()), unsigned(d.day()));
  return buf;
}

// The first day of the period holding `d`.
year_month_day period_start(year_month_day d, const std::string& granularity) {
  if (granularity == "month") return d.year() / d.month() / 1;
  if (granularity == "year") return d.year() / January / 1;
  return d;
}

long periods_between(year_month_day first, year_month_day last, const std::string& granularity) {
  if (granularity == "year") return int(last.year()) - int(first.year()) + 1;
  if (granularity == "month")
    return (int(last.year()) - int(first.year())) * 12 + int(unsigned(last.month())) - int(unsigned(first.month())) + 1;
  return (sys_days(last) - sys_days(first)).count() + 1;
}

// Where the default range starts: 30 days, 12 months or 5 years back to the period holding `last`.
year_month_day default_first(year_month_day last, const std::string& granularity) {
  if (granularity == "year") return (last.year() - years(4)) / January / 1;
  if (granularity == "month") {
    year_month m = last.year() / last.month();
    m -= months(11);
    return m / 1;
  }
  return year_month_day{sys_days(last) - days(29)};
}

}  // namespace

Response dashboard_summary(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->may(commands::Action::read_dashboard))
    return forbidden(ctx, "the dashboard needs the admin, manager or analyst role, or the dashboard:read scope");
  if (auto done = QueryParams(ctx.req).finish(); !done) return problem(done.error(), ctx.rid());
  if (auto wait = await_position(ctx, kDashboardModels)) return *wait;
  return json_response(200, api::dashboard_summary(ctx.svc.queries, p->tenant, iso_date(utc_date(core::now_millis()))));
}

Response dashboard_revenue(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->may(commands::Action::read_dashboard))
    return forbidden(ctx, "the dashboard needs the admin, manager or analyst role, or the dashboard:read scope");
  QueryParams q(ctx.req);
  std::string granularity = q.one_of("granularity", {"day", "month", "year"}).value_or("day");
  auto from = q.time("from");
  auto to = q.time("to");
  if (auto done = q.finish(); !done) return problem(done.error(), ctx.rid());
  year_month_day last = period_start(utc_date(to.value_or(core::now_millis())), granularity);
  year_month_day first = from ? period_start(utc_date(*from), granularity) : default_first(last, granularity);
  long periods = periods_between(first, last, granularity);
  if (periods < 1)
    return problem(core::Error{core::errc::validation_failed, "the query parameters are invalid",
                               {{"from", "must not be after to"}}},
                   ctx.rid());
  if (periods > kMaxPeriods)
    return problem(core::Error{core::errc::validation_failed, "the query parameters are invalid",
                               {{"from", "the range spans more than " + std::to_string(kMaxPeriods) + " periods"}}},
                   ctx.rid());
  if (auto wait = await_position(ctx, {"wallets"})) return *wait;
  return json_response(200, revenue_series(ctx.svc.queries, p->tenant, granularity, iso_date(first), iso_date(last)));
}

Response admin_dashboard(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  if (!p->super_admin) return problem(core::errc::forbidden, "the admin dashboard is for super_admin", ctx.rid());
  if (auto done = QueryParams(ctx.req).finish(); !done) return problem(done.error(), ctx.rid());
  if (auto wait = await_position(ctx, kDashboardModels)) return *wait;
  return json_response(200, api::admin_dashboard(ctx.svc.queries, iso_date(utc_date(core::now_millis()))));
}

}  // namespace regent::api::handlers
