#include <pqxx/pqxx>

#include "core/json.hpp"
#include "events/event_types.hpp"
#include "projections/read_models.hpp"
#include "projections/sql_arrays.hpp"

namespace regent::projections {
namespace {
namespace types = events::types;

constexpr const char* kOpenTotals = R"(
  INSERT INTO wallet_totals (tenant_id, currency) VALUES ($1::uuid, $2) ON CONFLICT (tenant_id) DO NOTHING)";

constexpr const char* kOpenWallets = R"(
  INSERT INTO wallets (user_id, tenant_id, balance, currency, version, updated_at)
  SELECT user_id, tenant_id, 0, currency, 1, at
  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[]) AS w(user_id, tenant_id, currency, at)
  ON CONFLICT (user_id) DO NOTHING)";

// One currency per tenant: it changes only before the first transaction, for every wallet at once.
constexpr const char* kChangeCurrency = R"(
  WITH w AS (UPDATE wallets SET currency = $2 WHERE tenant_id = $1::uuid AND currency <> $2)
  UPDATE wallet_totals SET currency = $2 WHERE tenant_id = $1::uuid)";

// Consecutive credits and debits in one statement, whatever their number: their transactions,
// each wallet's balance moved by the sum of its amounts (the version and time of its last one),
// each tenant's totals, and the days' revenue.
constexpr const char* kMoves = R"(
  WITH moves AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[],
                         $8::text[], $9::text[], $10::text[], $11::uuid[], $12::timestamptz[])
      AS m(id, tenant_id, user_id, seq, type, amount, balance_after, currency, reference, description, activity_id, created_at)),
  t AS (
    INSERT INTO wallet_transactions
      (id, tenant_id, user_id, seq, type, amount, balance_after, currency, reference, description, activity_id, created_at)
    SELECT id, tenant_id, user_id, seq, type, amount, balance_after, currency, reference, description, activity_id, created_at
    FROM moves),
  w AS (
    UPDATE wallets SET balance = wallets.balance + d.delta, version = d.version, updated_at = d.at
    FROM (SELECT user_id, sum(CASE type WHEN 'credit' THEN amount ELSE -amount END) AS delta,
                 max(seq) AS version, max(created_at) AS at
          FROM moves GROUP BY user_id) d
    WHERE wallets.user_id = d.user_id),
  tot AS (
    UPDATE wallet_totals SET total_balance = wallet_totals.total_balance + d.delta,
      credited = wallet_totals.credited + d.credited, debited = wallet_totals.debited + d.debited,
      credits = wallet_totals.credits + d.credits, debits = wallet_totals.debits + d.debits
    FROM (SELECT tenant_id, sum(CASE type WHEN 'credit' THEN amount ELSE -amount END) AS delta,
                 COALESCE(sum(amount) FILTER (WHERE type = 'credit'), 0) AS credited,
                 COALESCE(sum(amount) FILTER (WHERE type = 'debit'), 0) AS debited,
                 count(*) FILTER (WHERE type = 'credit') AS credits,
                 count(*) FILTER (WHERE type = 'debit') AS debits
          FROM moves GROUP BY tenant_id) d
    WHERE wallet_totals.tenant_id = d.tenant_id)
  INSERT INTO revenue_daily (tenant_id, day, currency, amount, count)
  SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date, min(currency), sum(amount), count(*)
  FROM moves WHERE type = 'debit' GROUP BY 1, 2
  ON CONFLICT (tenant_id, day) DO UPDATE
    SET amount = revenue_daily.amount + EXCLUDED.amount, count = revenue_daily.count + EXCLUDED.count)";

// The descriptions people gave to an erased user's transactions (sealed under its key, so a
// rebuild reads them as null too).
constexpr const char* kEraseDescriptions =
    "UPDATE wallet_transactions SET description = NULL WHERE user_id = $1::uuid AND activity_id IS NULL";

// The columns of kMoves, gathered event by event.
struct Moves {
  PgArray id, tenant_id, user_id, seq, type, amount, balance_after, currency, reference, description, activity_id, at;

  void add(const events::Envelope& e, simdjson::dom::element d) {
    bool credit = e.type == types::wallet_credited;
    auto text = [&](std::string_view key) { return core::get_string(d, key); };
    id.add(text("transaction_id"));
    tenant_id.add(std::string_view(e.tenant_id));
    user_id.add(text("user_id"));
    seq.add(e.sequence);
    type.add(std::string_view(credit ? "credit" : "debit"));
    amount.add(core::get_int(d, "amount").value_or(0));
    balance_after.add(core::get_int(d, "balance_after").value_or(0));
    currency.add(text("currency"));
    reference.add(text("reference"));
    // A person's description, opened (null once its user is erased); else what the system wrote.
    simdjson::dom::element personal;
    if (d["personal"].get(personal) == simdjson::SUCCESS) description.add(core::get_string(personal, "description"));
    else description.add(text("description"));
    activity_id.add(text("activity_id"));
    at.add(std::string_view(e.time));
  }

  void flush(pqxx::work& tx) {
    if (id.size() == 0) return;
    tx.exec_params(kMoves, id.literal(), tenant_id.literal(), user_id.literal(), seq.literal(), type.literal(),
                   amount.literal(), balance_after.literal(), currency.literal(), reference.literal(),
                   description.literal(), activity_id.literal(), at.literal());
    *this = Moves{};
  }
};

// The wallets that user.created events open, in one statement.
struct Openings {
  PgArray user_id, tenant_id, currency, at;

  void add(const events::Envelope& e, simdjson::dom::element d) {
    // user.created events written before wallets existed carry no currency: USD, the only one then.
    simdjson::dom::element wallet;
    user_id.add(core::get_string(d, "user_id"));
    tenant_id.add(std::string_view(e.tenant_id));
    currency.add(d["wallet"].get(wallet) == simdjson::SUCCESS ? core::get_string(wallet, "currency")
                                                                : std::optional<std::string_view>("USD"));
    at.add(std::string_view(e.time));
  }

  void flush(pqxx::work& tx) {
    if (user_id.size() == 0) return;
    tx.exec_params(kOpenWallets, user_id.literal(), tenant_id.literal(), currency.literal(), at.literal());
    *this = Openings{};
  }
};

class WalletsProjection final : public Projection {
 public:
  std::string name() const override { return "wallets"; }
  int version() const override { return 2; }
  std::vector<std::string> tables() const override { return {"wallets", "wallet_transactions", "wallet_totals", "revenue_daily"}; }
  bool handles(std::string_view type) const override {
    return type.starts_with("wallet.") || type == types::user_created || type == types::user_erased || type.starts_with("tenant.");
  }

  // Runs of wallet openings and money moves are written with two statements whatever their length:
  // the openings first (a wallet's moves always follow its opening in the log, and opening one
  // wallet early changes nothing for another), then the moves. A tenant's events end a run, since
  // a currency change concerns the wallets opened before it.
  void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) override {
    Openings openings;
    Moves moves;
    auto flush = [&] {
      openings.flush(tx);
      moves.flush(tx);
    };
    for (const auto& e : batch) {
      bool money = e.type == types::wallet_credited || e.type == types::wallet_debited;
      if (!money && e.type != types::user_created && e.type != types::tenant_created &&
          e.type != types::tenant_settings_changed && e.type != types::user_erased)
        continue;
      auto doc = core::JsonDocument::parse(e.data);
      auto d = doc->root();
      if (e.type == types::user_erased) {
        flush();  // what a person wrote about the erased user goes; the money stays
        tx.exec_params(kEraseDescriptions, core::get_text(d, "user_id"));
      } else if (money) {
        moves.add(e, d);
      } else if (e.type == types::user_created) {
        openings.add(e, d);
      } else {
        flush();
        const char* sql = e.type == types::tenant_created ? kOpenTotals : kChangeCurrency;
        tx.exec_params(sql, e.tenant_id, core::get_text(d["settings"].value(), "currency"));
      }
    }
    flush();
  }
};

}  // namespace

std::unique_ptr<Projection> make_wallets_projection() { return std::make_unique<WalletsProjection>(); }

}  // namespace regent::projections
