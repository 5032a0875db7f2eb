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
constexpr const char* kReadMany = R"(
  SELECT user_id::text, wrapped FROM personal_data_keys WHERE user_id = ANY($1::uuid[]) AND wrapped IS NOT NULL)";
constexpr const char* kEraseMany = R"(
  UPDATE personal_data_keys SET wrapped = NULL, master_key_id = NULL, erased_at = now()
  WHERE user_id = ANY($1::uuid[]) AND wrapped IS NOT NULL)";
constexpr const char* kTombstones = R"(
  INSERT INTO personal_data_keys (user_id, tenant_id, wrapped, master_key_id, erased_at)
  SELECT u, '00000000-0000-0000-0000-000000000000', NULL, NULL, now() FROM unnest($1::uuid[]) AS u
  ON CONFLICT (user_id) DO NOTHING)";
constexpr const char* kStale = R"(
  SELECT user_id::text, wrapped FROM personal_data_keys
  WHERE wrapped IS NOT NULL AND master_key_id <> $1
  ORDER BY user_id LIMIT 500 FOR UPDATE SKIP LOCKED)";
constexpr const char* kRewrap = "UPDATE personal_data_keys SET wrapped = $2, master_key_id = $3 WHERE user_id = $1::uuid";
constexpr const char* kCounts = R"(
  SELECT master_key_id, count(*) FROM personal_data_keys WHERE wrapped IS NOT NULL GROUP BY master_key_id)";
// A Postgres array of ids; anything but a uuid is left out (it cannot have a key).
std::string uuid_array(const std::vector<std::string>& ids) {
  std::string out = "{";
  for (const auto& id : ids) {
    if (!is_uuid(id)) continue;
    if (out.size() > 1) out += ',';
    out += id;
  }
  return out + "}";
}
// A stored key opened under the ring, or the error that stops the process (never "erased").
std::string unwrapped(const MasterKeys& master, std::string_view wrapped, const std::string& user) {
  auto key = master.unwrap(wrapped, user);
  if (!key) throw MasterKeyError("the data key of user " + user + " does not open under the master keys");
  return *key;
}
}  // namespace

DataKeys::DataKeys(std::string pg_url, std::shared_ptr<const MasterKeys> master)
    : pg_url_(std::move(pg_url)), master_(std::move(master)) {}

pqxx::connection& DataKeys::conn() {
  if (!conn_ || !conn_->is_open()) conn_ = std::make_unique<pqxx::connection>(pg_url_);
  return *conn_;
}

// The cache has its own lock, held for lookups only: the command writer's `cached` never waits for
// another thread's Postgres round trip. Whatever reads or erases keys in Postgres holds `io_mu_`
// until the cache agrees, so a key read just before an erasure cannot be cached after it.
std::optional<std::string> DataKeys::key_for(const TenantId& tenant, const UserId& user) {
  if (auto key = cached(user.value)) return key;
  std::lock_guard io(io_mu_);
  if (auto key = cached(user.value)) return key;
  std::string fresh(kDataKeyBytes, '\0');
  random_bytes(reinterpret_cast<unsigned char*>(fresh.data()), fresh.size());
  pqxx::work tx(conn());
  tx.exec_params(kMake, user.value, tenant.value, master_->wrap(fresh, user.value), master_->current_id());
  auto rows = tx.exec_params(kFind, user.value);
  tx.commit();
  if (rows.empty() || rows[0][0].is_null()) return std::nullopt;  // erased
  return remember(user.value, unwrapped(*master_, rows[0][0].c_str(), user.value));
}

std::optional<std::string> DataKeys::find(const UserId& user) {
  if (auto key = cached(user.value)) return key;
  std::lock_guard io(io_mu_);
  if (auto key = cached(user.value)) return key;
  pqxx::nontransaction tx(conn());
  auto rows = tx.exec_params(kFind, user.value);
  if (rows.empty() || rows[0][0].is_null()) return std::nullopt;
  return remember(user.value, unwrapped(*master_, rows[0][0].c_str(), user.value));
}

std::string DataKeys::remember(const std::string& user, std::string key) {
  std::lock_guard lock(mu_);
  return cache_[user] = std::move(key);
}

std::optional<std::string> DataKeys::cached(const std::string& user) const {
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(user); it != cache_.end()) return it->second;
  return std::nullopt;
}

std::unordered_map<std::string, std::string> DataKeys::read_in(pqxx::transaction_base& tx, const MasterKeys& master,
                                                               const std::vector<std::string>& users) {
  std::unordered_map<std::string, std::string> out;
  if (users.empty()) return out;
  for (const auto& row : tx.exec_params(kReadMany, uuid_array(users))) {
    std::string user = row[0].c_str();
    auto key = unwrapped(master, row[1].c_str(), user);
    out.emplace(std::move(user), std::move(key));
  }
  return out;
}

int64_t DataKeys::erase_in(pqxx::transaction_base& tx, const std::vector<std::string>& users) {
  if (users.empty()) return 0;
  auto ids = uuid_array(users);
  int64_t had = tx.exec_params(kEraseMany, ids).affected_rows();
  tx.exec_params(kTombstones, ids);
  return had;
}

bool DataKeys::erase(const UserId& user) {
  std::lock_guard io(io_mu_);
  {
    std::lock_guard lock(mu_);
    cache_.erase(user.value);
  }
  pqxx::work tx(conn());
  bool had = erase_in(tx, {user.value}) > 0;  // and never a key for it again
  tx.commit();
  return had;
}

int64_t DataKeys::rewrap_all() {
  std::lock_guard io(io_mu_);
  int64_t done = 0;
  for (;;) {
    pqxx::work tx(conn());
    auto rows = tx.exec_params(kStale, master_->current_id());
    if (rows.empty()) break;
    for (const auto& row : rows) {
      std::string user = row[0].c_str();
      tx.exec_params(kRewrap, user, master_->wrap(unwrapped(*master_, row[1].c_str(), user), user), master_->current_id());
    }
    tx.commit();
    done += static_cast<int64_t>(rows.size());
  }
  return done;
}

std::map<std::string, int64_t> DataKeys::wrapped_by() {
  std::lock_guard io(io_mu_);
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
