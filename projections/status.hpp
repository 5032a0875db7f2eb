#pragma once
// What `regent projections status` prints and `regent projections skip` does, read from and
// written to Postgres: where each projection stands in each partition, what it is stalled on,
// what an operator parked, which version each read model holds, and which rebuilds are under way.
#include <cstdint>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace regent::projections {

struct PartitionStatus {
  std::string projection;
  int32_t partition = 0;
  int64_t checkpoint = 0;  // the next offset it will read
  int64_t log_end = -1;    // filled in by the caller when it can reach the log; -1 unknown
  int64_t skipped_invalid = 0;
  double idle_seconds = 0;  // since the checkpoint last moved
  std::optional<int64_t> stalled_offset;
  std::string stalled_event_id, stalled_event_type, stalled_error, stalled_since;
};

struct DeadLetter {
  std::string projection;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string event_id, event_type, error, reason, parked_at;
};

struct ModelVersion {
  std::string projection;
  int version = 0;
  std::string built_at;
};

struct Status {
  std::vector<PartitionStatus> partitions;
  std::vector<DeadLetter> dead_letters;
  std::vector<ModelVersion> models;
  std::vector<std::string> rebuilding;  // projections with a rebuild schema in place
};

Status read_status(pqxx::connection& conn);

// The table an operator reads.
std::string format_status(const Status& status);

// Parks the event `projection` is stalled on, at `offset` of `partition`, in the dead-letter table:
// the projection moves past it on its next retry (within seconds), and so does every rebuild.
// Refused unless the partition is stalled exactly there.
core::Result<DeadLetter> park(pqxx::connection& conn, const std::string& projection, int32_t partition, int64_t offset,
                              const std::string& reason);

}  // namespace regent::projections
