#include "api/wallet_queries.hpp"

#include "api/sql_json.hpp"

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
  WHERE t.tenant_id = $1::uuid AND t.user_id = $2::uuid AND t.seq < $3::bigint
  ORDER BY t.seq DESC
  LIMIT $4::bigint)";

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
    AND a.id < $6::uuid
  ORDER BY a.id DESC
  LIMIT $7::bigint)";

}  // namespace

std::vector<core::PgQueries::Statement> wallet_statements() {
  return {{"find_wallet", kFindWallet}, {"list_transactions", kListTransactions}, {"list_activities", kListActivities}};
}

std::optional<std::string> find_wallet(core::PgQueries& pg, const core::TenantId& tenant, const std::string& user_id) {
  if (!core::is_uuid(user_id)) return std::nullopt;
  return one_json(pg, "find_wallet", {tenant.value, user_id});
}

Page list_transactions(core::PgQueries& pg, const core::TenantId& tenant, const std::string& user_id,
                       int64_t before_seq, int limit) {
  // Always a bound, the first page's too: every page is one range of the index.
  std::string before = std::to_string(before_seq == 0 ? INT64_MAX : before_seq), rows = std::to_string(limit + 1);
  return page_of(query(pg, "list_transactions", {tenant.value, user_id, before, rows}), limit);
}

Page list_activities(core::PgQueries& pg, const core::TenantId& tenant, const ActivityFilter& f) {
  std::optional<std::string> from, to;
  if (f.from) from = std::to_string(*f.from);
  if (f.to) to = std::to_string(*f.to);
  auto opt = [](const std::optional<std::string>& v) { return v ? core::PgQueries::Param(*v) : std::nullopt; };
  std::string rows = std::to_string(f.limit + 1);
  return page_of(query(pg, "list_activities", {tenant.value, f.user_id, f.type, opt(from), opt(to),
                                                   f.before_id.empty() ? "ffffffff-ffff-ffff-ffff-ffffffffffff" : f.before_id, rows}),
                 f.limit);
}

}  // namespace regent::api
