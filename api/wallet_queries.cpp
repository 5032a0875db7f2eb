#include "api/wallet_queries.hpp"

#include <pqxx/pqxx>

#include "api/sql_json.hpp"
#include "core/pg_pool.hpp"

namespace regent::api {
namespace {

const std::string kFindWallet =
    "SELECT json_build_object('user_id', w.user_id, 'balance', w.balance, 'currency', w.currency, "
    "'version', w.version, 'updated_at', " REGENT_SQL_TIME("w.updated_at") ")::text "
    "FROM wallets w WHERE w.tenant_id = $1::uuid AND w.user_id = $2::uuid";

// The wallet row is read too, so that an unknown user is told apart from an empty history.
const std::string kListTransactions = R"(
  SELECT t.seq, json_build_object('id', t.id, 'user_id', t.user_id, 'type', t.type, 'amount', t.amount,
      'balance_after', t.balance_after, 'currency', t.currency, 'reference', t.reference,
      'description', t.description, 'activity_id', t.activity_id,
      'created_at', )" REGENT_SQL_TIME("t.created_at") R"()::text
  FROM wallet_transactions t
  WHERE t.tenant_id = $1::uuid AND t.user_id = $2::uuid AND ($3 = 0 OR t.seq < $3)
  ORDER BY t.seq DESC
  LIMIT $4)";

const std::string kListActivities = R"(
  SELECT a.id::text, json_build_object('id', a.id, 'user_id', a.user_id, 'charged_user_id', a.charged_user_id,
      'type', a.type, 'cost', a.cost, 'currency', a.currency, 'transaction_id', a.transaction_id,
      'created_at', )" REGENT_SQL_TIME("a.created_at") R"()::text
  FROM activities a
  WHERE a.tenant_id = $1::uuid
    AND ($2 = '' OR a.user_id = NULLIF($2, '')::uuid)
    AND ($3 = '' OR a.type = $3)
    AND ($4::bigint IS NULL OR a.created_at >= to_timestamp($4::bigint / 1000.0))
    AND ($5::bigint IS NULL OR a.created_at < to_timestamp($5::bigint / 1000.0))
    AND ($6 = '' OR a.id < NULLIF($6, '')::uuid)
  ORDER BY a.id DESC
  LIMIT $7)";

}  // namespace

std::optional<std::string> find_wallet(core::PgPool& pg, const core::TenantId& tenant, const std::string& user_id) {
  if (!core::is_uuid(user_id)) return std::nullopt;
  auto conn = pg.lease();
  pqxx::read_transaction tx(*conn);
  auto r = tx.exec_params(kFindWallet, tenant.value, user_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

Page list_transactions(core::PgPool& pg, const core::TenantId& tenant, const std::string& user_id,
                       int64_t before_seq, int limit) {
  auto conn = pg.lease();
  pqxx::read_transaction tx(*conn);
  return page_of(tx.exec_params(kListTransactions, tenant.value, user_id, before_seq, limit + 1), limit);
}

Page list_activities(core::PgPool& pg, const core::TenantId& tenant, const ActivityFilter& f) {
  auto conn = pg.lease();
  pqxx::read_transaction tx(*conn);
  return page_of(tx.exec_params(kListActivities, tenant.value, f.user_id, f.type, f.from, f.to, f.before_id, f.limit + 1),
                 f.limit);
}

}  // namespace regent::api
