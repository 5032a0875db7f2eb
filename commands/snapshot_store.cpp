#include "commands/snapshot_store.hpp"

#include <pqxx/pqxx>

#include "commands/snapshot.hpp"

namespace regent::commands {
namespace {
constexpr const char* kLoad =
    "SELECT next_offset, last_event_id, state FROM command_snapshots WHERE topic = $1 AND partition = $2 AND format = $3";
constexpr const char* kSave = R"(
  INSERT INTO command_snapshots (topic, partition, next_offset, last_event_id, format, state, taken_at)
  VALUES ($1, $2, $3, $4, $5, $6, now())
  ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset,
    last_event_id = EXCLUDED.last_event_id, format = EXCLUDED.format, state = EXCLUDED.state, taken_at = now()
  WHERE command_snapshots.next_offset <= EXCLUDED.next_offset)";
}  // namespace

SnapshotStore::SnapshotStore(std::string pg_url, std::string topic) : pg_url_(std::move(pg_url)), topic_(std::move(topic)) {}
SnapshotStore::~SnapshotStore() = default;

pqxx::connection& SnapshotStore::conn() {
  if (!conn_ || !conn_->is_open()) conn_ = std::make_unique<pqxx::connection>(pg_url_);
  return *conn_;
}

std::optional<StoredSnapshot> SnapshotStore::load(int32_t partition) {
  std::lock_guard lock(mu_);
  pqxx::read_transaction tx(conn());
  auto r = tx.exec_params(kLoad, topic_, partition, kSnapshotFormat);
  if (r.empty()) return std::nullopt;
  return StoredSnapshot{r[0][0].as<int64_t>(), r[0][1].as<std::string>(), r[0][2].as<std::string>()};
}

void SnapshotStore::save(int32_t partition, const StoredSnapshot& s) {
  std::lock_guard lock(mu_);
  try {
    pqxx::work tx(conn());
    tx.exec_params(kSave, topic_, partition, s.next_offset, s.last_event_id, kSnapshotFormat, s.state);
    tx.commit();
  } catch (...) {
    conn_.reset();  // reconnect next time
    throw;
  }
}

}  // namespace regent::commands
