#include "projections/migrations.hpp"

#include <algorithm>
#include <pqxx/pqxx>
#include <vector>

#include "core/log.hpp"
#include "core/resources.hpp"

namespace regent::projections {
namespace {
const core::Logger logger("projections");
constexpr long long kLockId = 0x5245474e54;  // "REGNT"
}  // namespace

int migrate(const std::string& pg_url) {
  pqxx::connection conn(pg_url);
  {
    pqxx::nontransaction tx(conn);
    tx.exec("SET client_min_messages = warning");
    tx.exec_params("SELECT pg_advisory_lock($1)", kLockId);
    tx.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, "
            "applied_at timestamptz NOT NULL DEFAULT now())");
  }
  std::vector<core::Resource> pending;
  for (const auto& r : core::resources())
    if (r.path.rfind("schemas/sql/", 0) == 0) pending.push_back(r);
  std::sort(pending.begin(), pending.end(), [](auto& a, auto& b) { return a.path < b.path; });
  int applied = 0;
  for (const auto& m : pending) {
    std::string version(m.path.substr(std::string_view("schemas/sql/").size()));
    pqxx::work tx(conn);
    if (!tx.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", version).empty()) continue;
    tx.exec(std::string(m.content));
    tx.exec_params("INSERT INTO schema_migrations (version) VALUES ($1)", version);
    tx.commit();
    logger.info("migration applied", {{"version", version}});
    ++applied;
  }
  pqxx::nontransaction tx(conn);
  tx.exec_params("SELECT pg_advisory_unlock($1)", kLockId);
  return applied;
}

}  // namespace regent::projections
