#include <pqxx/pqxx>

#include "core/json.hpp"
#include "events/event_types.hpp"
#include "projections/read_models.hpp"

namespace regent::projections {
namespace {
namespace types = events::types;

constexpr const char* kOpenTotals = R"(
  INSERT INTO wallet_totals (tenant_id, currency) VALUES ($1::uuid, $2) ON CONFLICT (tenant_id) DO NOTHING)";

constexpr const char* kOpenWallet = R"(
  INSERT INTO wallets (user_id, tenant_id, balance, currency, version, updated_at)
  VALUES ($1::uuid, $2::uuid, 0, $3, 1, $4::timestamptz)
  ON CONFLICT (user_id) DO NOTHING)";

// One currency per tenant: it changes only before the first transaction, for every wallet at once.
constexpr const char* kChangeCurrency = R"(
  WITH w AS (UPDATE wallets SET currency = $2 WHERE tenant_id = $1::uuid AND currency <> $2)
  UPDATE wallet_totals SET currency = $2 WHERE tenant_id = $1::uuid)";

// A credit or a debit in one round trip: the wallet, its transaction, the tenant's totals and, for
// a debit, the day's revenue. $6 is the signed change of the balance.
constexpr const char* kMove = R"(
  WITH w AS (
    UPDATE wallets SET balance = balance + $6, version = $5, updated_at = $12::timestamptz
    WHERE user_id = $3::uuid),
  t AS (
    INSERT INTO wallet_transactions
      (id, tenant_id, user_id, seq, type, amount, balance_after, currency, reference, description, activity_id, created_at)
    VALUES ($1::uuid, $2::uuid, $3::uuid, $5, $4, abs($6), $7, $8, $9, $10, NULLIF($11, '')::uuid, $12::timestamptz)),
  tot AS (
    UPDATE wallet_totals SET total_balance = total_balance + $6,
      credited = credited + CASE WHEN $4 = 'credit' THEN abs($6) ELSE 0 END,
      debited = debited + CASE WHEN $4 = 'debit' THEN abs($6) ELSE 0 END,
      credits = credits + CASE WHEN $4 = 'credit' THEN 1 ELSE 0 END,
      debits = debits + CASE WHEN $4 = 'debit' THEN 1 ELSE 0 END
    WHERE tenant_id = $2::uuid)
  INSERT INTO revenue_daily (tenant_id, day, currency, amount, count)
  SELECT $2::uuid, ($12::timestamptz AT TIME ZONE 'UTC')::date, $8, abs($6), 1 WHERE $4 = 'debit'
  ON CONFLICT (tenant_id, day) DO UPDATE
    SET amount = revenue_daily.amount + EXCLUDED.amount, count = revenue_daily.count + 1)";

std::optional<std::string> optional_text(simdjson::dom::element d, std::string_view key) {
  auto s = core::get_string(d, key);
  return s ? std::optional<std::string>(*s) : std::nullopt;
}

class WalletsProjection final : public Projection {
 public:
  std::string name() const override { return "wallets"; }

  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    for (const auto& e : batch) {
      bool credit = e.type == types::wallet_credited;
      if (!credit && e.type != types::wallet_debited && e.type != types::user_created &&
          e.type != types::tenant_created && e.type != types::tenant_settings_changed)
        continue;
      auto doc = core::JsonDocument::parse(e.data);
      auto d = doc->root();
      if (e.type == types::tenant_created) {
        tx.exec_params(kOpenTotals, e.tenant_id, core::get_text(d["settings"].value(), "currency"));
      } else if (e.type == types::tenant_settings_changed) {
        tx.exec_params(kChangeCurrency, e.tenant_id, core::get_text(d["settings"].value(), "currency"));
      } else if (e.type == types::user_created) {
        // user.created events written before wallets existed carry no currency: USD, the only one then.
        simdjson::dom::element wallet;
        std::string currency = d["wallet"].get(wallet) == simdjson::SUCCESS ? core::get_text(wallet, "currency") : "USD";
        tx.exec_params(kOpenWallet, core::get_text(d, "user_id"), e.tenant_id, currency, e.time);
      } else {
        int64_t amount = core::get_int(d, "amount").value_or(0);
        tx.exec_params(kMove, core::get_text(d, "transaction_id"), e.tenant_id, core::get_text(d, "user_id"), credit ? "credit" : "debit",
                       e.sequence, credit ? amount : -amount, core::get_int(d, "balance_after").value_or(0),
                       core::get_text(d, "currency"), optional_text(d, "reference"), optional_text(d, "description"),
                       core::get_text(d, "activity_id"), e.time);
      }
    }
  }
};

}  // namespace

std::unique_ptr<Projection> make_wallets_projection() { return std::make_unique<WalletsProjection>(); }

}  // namespace regent::projections
