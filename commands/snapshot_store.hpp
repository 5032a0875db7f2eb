#pragma once
// Where snapshots of the command state live: the command_snapshots table, one row per partition
// (the latest). Errors are exceptions: a snapshot is an optimisation, its callers carry on without.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/connection>
#include <string>

namespace regent::commands {

struct StoredSnapshot {
  int64_t next_offset = 0;
  std::string last_event_id;
  std::string state;  // encode_snapshot's text
};

class SnapshotStore {
 public:
  SnapshotStore(std::string pg_url, std::string topic);
  ~SnapshotStore();

  std::optional<StoredSnapshot> load(int32_t partition);
  void save(int32_t partition, const StoredSnapshot& snapshot);

 private:
  pqxx::connection& conn();
  std::string pg_url_;
  std::string topic_;
  std::mutex mu_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace regent::commands
