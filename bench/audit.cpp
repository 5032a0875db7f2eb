// The audit trail's queries at scale: fills audit_entries with N synthetic entries (a year of ten
// tenants' events, most of them one big tenant's), then runs each filter of GET /v1/audit, the
// stats and a user's export page exactly as the API sends them (api/audit_queries: the same
// prepared statements, the same parameters), timing each 30 times, and prints each one's median
// and 95th percentile with the plan Postgres chose (EXPLAIN ANALYZE of the prepared statement,
// after the runs that let it settle on a generic or a custom plan).
//   regent_bench_audit PG_URL [ROWS]
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "api/audit_queries.hpp"
#include "core/clock.hpp"
#include "projections/migrations.hpp"

using namespace regent;
using Clock = std::chrono::steady_clock;

namespace {

// Ten tenants, the first with 60% of the entries; 2,000 users each (90% of actions by users, 8% by
// API keys, 2% by Regent); 24 event types, debits and activities the commonest; a year of time.
constexpr const char* kFill = R"(
  INSERT INTO audit_entries (id, tenant_id, log_partition, log_offset, at, actor_id, actor_type, action,
                             resource_type, resource_id, request_id, ip, user_agent, details, user_id)
  SELECT (lpad(to_hex(ms), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
         md5('tenant' || t)::uuid, t % 6, g, to_timestamp(ms / 1000.0),
         CASE WHEN kind < 90 THEN md5(t || 'user' || u)::uuid::text WHEN kind < 98 THEN md5(t || 'key' || (u % 20))::uuid::text END,
         CASE WHEN kind < 90 THEN 'user' WHEN kind < 98 THEN 'api_key' ELSE 'system' END,
         action, split_part(action, '.', 1),
         CASE WHEN split_part(action, '.', 1) IN ('user', 'wallet') THEN md5(t || 'user' || s)::uuid::text ELSE h END,
         'req-' || g, '10.0.' || (u % 250) || '.' || (s % 250), 'bench/1.0',
         jsonb_build_object('user_id', md5(t || 'user' || s)::uuid, 'amount', g % 1000),
         md5(t || 'user' || s)::uuid
  FROM (
    SELECT g, md5(g::text) AS h,
           CASE WHEN g % 10 < 6 THEN 0 ELSE 1 + g % 9 END AS t,
           (extract(epoch FROM now()) * 1000)::bigint - (hashint8extended(g, 0) & 9223372036854775807) % (365::bigint * 86400000) AS ms,
           (hashint8(g * 7) & 2147483647) % 2000 AS u,
           (hashint8(g * 13) & 2147483647) % 2000 AS s,
           (hashint8(g * 17) & 2147483647) % 100 AS kind,
           (ARRAY['wallet.debited', 'wallet.debited', 'wallet.debited', 'wallet.debited', 'wallet.debited',
                  'wallet.debited', 'wallet.debited', 'wallet.debited', 'activity.recorded', 'activity.recorded',
                  'activity.recorded', 'activity.recorded', 'wallet.credited', 'wallet.credited', 'user.logged_in',
                  'user.logged_in', 'session.refreshed', 'session.refreshed', 'user.updated', 'user.created',
                  'user.role_assigned', 'user.role_revoked', 'user.deactivated', 'user.reactivated',
                  'permission.requested', 'permission.approved', 'permission.rejected', 'permission.revoked',
                  'api_key.created', 'api_key.revoked', 'invitation.created', 'invitation.accepted',
                  'tenant.settings_changed', 'tenant.renamed'])[1 + (hashint8(g * 19) & 2147483647) % 34] AS action
    FROM generate_series($1::bigint, $2::bigint) g) x
  ON CONFLICT (id) DO NOTHING)";

std::string big_tenant(pqxx::connection& c) {
  pqxx::nontransaction tx(c);
  return tx.exec1("SELECT md5('tenant0')::uuid::text")[0].c_str();
}

void fill(pqxx::connection& c, int64_t rows) {
  int64_t have;
  {
    pqxx::nontransaction tx(c);
    have = tx.exec1("SELECT count(*) FROM audit_entries")[0].as<int64_t>();
  }
  if (have >= rows) {
    std::cout << "audit_entries holds " << have << " entries already\n";
    return;
  }
  auto start = Clock::now();
  constexpr int64_t kChunk = 250000;
  for (int64_t from = have + 1; from <= rows; from += kChunk) {
    pqxx::work tx(c);
    tx.exec_params(kFill, from, std::min(rows, from + kChunk - 1));
    tx.commit();
    std::cerr << "\rfilled " << std::min(rows, from + kChunk - 1) << " of " << rows << std::flush;
  }
  {
    // The daily counts, as the projection would have kept them while writing the entries.
    pqxx::work tx(c);
    tx.exec("TRUNCATE audit_daily_actions, audit_daily_actors");
    tx.exec("INSERT INTO audit_daily_actions SELECT tenant_id, (at AT TIME ZONE 'UTC')::date, action, count(*) "
            "FROM audit_entries GROUP BY 1, 2, 3");
    tx.exec("INSERT INTO audit_daily_actors SELECT tenant_id, (at AT TIME ZONE 'UTC')::date, actor_type, "
            "COALESCE(actor_id, ''), count(*) FROM audit_entries GROUP BY 1, 2, 3, 4");
    tx.commit();
  }
  pqxx::nontransaction tx(c);
  tx.exec("VACUUM ANALYZE audit_entries");
  tx.exec("VACUUM ANALYZE audit_daily_actions");
  tx.exec("VACUUM ANALYZE audit_daily_actors");
  std::cerr << "\n";
  std::cout << "filled audit_entries to " << rows << " entries in "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count() << " s\n";
}

struct Case {
  std::string name;
  api::AuditQuery query;
};

void run_case(pqxx::connection& c, const Case& k) {
  std::vector<double> ms;
  size_t rows = 0;
  for (int i = 0; i < 30; ++i) {
    pqxx::nontransaction tx(c);
    auto t0 = Clock::now();
    auto r = tx.exec_prepared(k.query.statement, pqxx::prepare::make_dynamic_params(k.query.params));
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    rows = r.size();
  }
  std::sort(ms.begin(), ms.end());
  std::cout << "\n### " << k.name << ": median " << std::fixed << std::setprecision(2) << ms[ms.size() / 2]
            << " ms, p95 " << ms[ms.size() * 95 / 100] << " ms, " << rows << " rows (" << k.query.statement << ")\n";
  // The plan of the prepared statement as it now runs.
  std::string explain = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE " + k.query.statement + "(";
  pqxx::nontransaction tx(c);
  for (size_t i = 0; i < k.query.params.size(); ++i) explain += (i ? ", " : "") + tx.quote(k.query.params[i]);
  explain += ")";
  for (const auto& row : tx.exec(explain)) std::cout << "    " << row[0].c_str() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: regent_bench_audit PG_URL [ROWS]\n";
    return 2;
  }
  std::string url = argv[1];
  int64_t rows = argc > 2 ? std::stoll(argv[2]) : 2000000;
  projections::migrate(url);
  pqxx::connection c(url);
  fill(c, rows);
  for (const auto& s : api::audit_statements()) c.prepare(s.name, s.sql);

  core::TenantId tenant{big_tenant(c)};
  std::string busy_actor, rare_actor, subject, deep;
  {
    pqxx::nontransaction tx(c);
    busy_actor = tx.exec1("SELECT md5('0user7')::uuid::text")[0].c_str();
    rare_actor = tx.exec1("SELECT md5('0key3')::uuid::text")[0].c_str();
    subject = tx.exec1("SELECT md5('0user42')::uuid::text")[0].c_str();
    // A cursor half a year back: a page in the middle of the trail.
    deep = api::uuid_floor(core::now_millis() - 182LL * 86400000);
    int64_t n = tx.exec1("SELECT count(*) FROM audit_entries WHERE tenant_id = '" + tenant.value + "'")[0].as<int64_t>();
    std::cout << "the big tenant has " << n << " entries; the table " << tx.exec1("SELECT count(*) FROM audit_entries")[0].c_str()
              << "; its size with indexes "
              << tx.exec1("SELECT pg_size_pretty(pg_total_relation_size('audit_entries'))")[0].c_str() << "\n";
  }
  auto filter = [](auto set) {
    api::AuditFilter f;
    set(f);
    return f;
  };
  auto now = core::now_millis();
  constexpr int64_t kDay = 86400000;
  std::vector<Case> cases = {
      {"newest, no filter", api::audit_query(tenant, filter([](auto&) {}))},
      {"a page half a year back (cursor)", api::audit_query(tenant, filter([&](auto& f) { f.before_id = deep; }))},
      {"actor_id (a busy user)", api::audit_query(tenant, filter([&](auto& f) { f.actor_id = busy_actor; }))},
      {"actor_id (an API key)", api::audit_query(tenant, filter([&](auto& f) { f.actor_id = rare_actor; }))},
      {"action=wallet.debited (common)", api::audit_query(tenant, filter([](auto& f) { f.action = "wallet.debited"; }))},
      {"action=tenant.renamed (rare)", api::audit_query(tenant, filter([](auto& f) { f.action = "tenant.renamed"; }))},
      {"action=permission.* (prefix)", api::audit_query(tenant, filter([](auto& f) { f.action_group = "permission"; }))},
      {"resource_type=user&resource_id=", api::audit_query(tenant, filter([&](auto& f) {
         f.resource_type = "user";
         f.resource_id = subject;
       }))},
      {"resource_type=invitation alone", api::audit_query(tenant, filter([](auto& f) { f.resource_type = "invitation"; }))},
      {"from/to: one day a month ago", api::audit_query(tenant, filter([&](auto& f) {
         f.from = now - 31 * kDay;
         f.to = now - 30 * kDay;
       }))},
      {"actor_id and action", api::audit_query(tenant, filter([&](auto& f) {
         f.actor_id = busy_actor;
         f.action = "user.logged_in";
       }))},
      {"action=tenant.renamed in a week half a year back", api::audit_query(tenant, filter([&](auto& f) {
         f.action = "tenant.renamed";
         f.from = now - 182 * kDay;
         f.to = now - 175 * kDay;
       }))},
      {"a user's export, first page", api::user_audit_query(tenant, subject, "", 500)},
      {"stats of one day", api::audit_stats_query(tenant, now - kDay, now)},
      {"stats of 30 days", api::audit_stats_query(tenant, now - 30 * kDay, now)},
      {"stats of the whole year", api::audit_stats_query(tenant, std::nullopt, std::nullopt)},
  };
  for (const auto& k : cases) run_case(c, k);
  return 0;
}
