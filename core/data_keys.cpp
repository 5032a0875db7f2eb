#include "core/data_keys.hpp"

#include <algorithm>
#include <pqxx/pqxx>

#include "core/crypto.hpp"
#include "core/sealed_fields.hpp"

namespace regent::core {
namespace {
constexpr const char* kMake = R"(
  INSERT INTO personal_data_keys (user_id, tenant_id, wrapped, master_key_id)
  VALUES ($1::uuid, $2::uuid, $3, $4) ON CONFLICT (user_id) DO NOTHING)";
constexpr const char* kFind = "SELECT wrapped FROM personal_data_keys WHERE user_id = $1::uuid";
constexpr const char* kErase = R"(
  UPDATE personal_data_keys SET wrapped = NULL, master_key_id = NULL, erased_at = now()
  WHERE user_id = $1::uuid AND wrapped IS NOT NULL)";
constexpr const char* kTombstone = R"(
  INSERT INTO personal_data_keys (user_id, tenant_id, wrapped, master_key_id, erased_at)
  VALUES ($1::uuid, '00000000-0000-0000-0000-000000000000', NULL, NULL, now()) ON CONFLICT (user_id) DO NOTHING)";
constexpr const char* kStale = R"(
  SELECT user_id::text, wrapped FROM personal_data_keys
  WHERE wrapped IS NOT NULL AND master_key_id <> $1
  ORDER BY user_id LIMIT 500 FOR UPDATE SKIP LOCKED)";
constexpr const char* kRewrap = "UPDATE personal_data_keys SET wrapped = $2, master_key_id = $3 WHERE user_id = $1::uuid";
constexpr const char* kCounts = R"(
  SELECT master_key_id, count(*) FROM personal_data_keys WHERE wrapped IS NOT NULL GROUP BY master_key_id)";
}  // namespace

DataKeys::DataKeys(std::string pg_url, std::shared_ptr<const MasterKeys> master)
    : pg_url_(std::move(pg_url)), master_(std::move(master)) {}

pqxx::connection& DataKeys::conn() {
  if (!conn_ || !conn_->is_open()) conn_ = std::make_unique<pqxx::connection>(pg_url_);
  return *conn_;
}

std::optional<std::string> DataKeys::key_for(const TenantId& tenant, const UserId& user) {
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(user.value); it != cache_.end()) return it->second;
  std::string fresh(kDataKeyBytes, '\0');
  random_bytes(reinterpret_cast<unsigned char*>(fresh.data()), fresh.size());
  pqxx::work tx(conn());
  tx.exec_params(kMake, user.value, tenant.value, master_->wrap(fresh, user.value), master_->current_id());
  auto rows = tx.exec_params(kFind, user.value);
  tx.commit();
  if (rows.empty() || rows[0][0].is_null()) return std::nullopt;  // erased
  auto key = master_->unwrap(rows[0][0].c_str(), user.value);
  if (!key) throw MasterKeyError("the data key of user " + user.value + " does not open under the master keys");
  cache_[user.value] = *key;
  return key;
}

std::optional<std::string> DataKeys::find(const UserId& user) {
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(user.value); it != cache_.end()) return it->second;
  pqxx::nontransaction tx(conn());
  auto rows = tx.exec_params(kFind, user.value);
  if (rows.empty() || rows[0][0].is_null()) return std::nullopt;
  auto key = master_->unwrap(rows[0][0].c_str(), user.value);
  if (!key) throw MasterKeyError("the data key of user " + user.value + " does not open under the master keys");
  cache_[user.value] = *key;
  return key;
}

bool DataKeys::erase(const UserId& user) {
  std::lock_guard lock(mu_);
  cache_.erase(user.value);
  pqxx::work tx(conn());
  bool had = tx.exec_params(kErase, user.value).affected_rows() > 0;
  tx.exec_params(kTombstone, user.value);  // never a key for it again
  tx.commit();
  return had;
}

int64_t DataKeys::rewrap_all() {
  std::lock_guard lock(mu_);
  int64_t done = 0;
  for (;;) {
    pqxx::work tx(conn());
    auto rows = tx.exec_params(kStale, master_->current_id());
    if (rows.empty()) break;
    for (const auto& row : rows) {
      std::string user = row[0].c_str();
      auto key = master_->unwrap(row[1].c_str(), user);
      if (!key) throw MasterKeyError("the data key of user " + user + " does not open under the master keys");
      tx.exec_params(kRewrap, user, master_->wrap(*key, user), master_->current_id());
    }
    tx.commit();
    done += static_cast<int64_t>(rows.size());
  }
  return done;
}

std::map<std::string, int64_t> DataKeys::wrapped_by() {
  std::lock_guard lock(mu_);
  std::map<std::string, int64_t> out;
  pqxx::nontransaction tx(conn());
  for (const auto& row : tx.exec(kCounts)) out[row[0].c_str()] = row[1].as<int64_t>();
  return out;
}

void DataKeys::check_ring() {
  auto known = master_->ids();
  std::string missing;
  int64_t keys = 0;
  for (const auto& [id, n] : wrapped_by())
    if (std::find(known.begin(), known.end(), id) == known.end()) {
      missing += (missing.empty() ? "" : ", ") + id;
      keys += n;
    }
  if (!missing.empty())
    throw MasterKeyError(std::to_string(keys) + " users' data keys are wrapped by master keys this ring does not hold (" +
                         missing + "): their personal data cannot be read. Restore the master key file those keys "
                         "were made under (docs/personal-data.md)");
}

}  // namespace regent::core
