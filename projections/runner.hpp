#pragma once
// Runs one projection over the partitions its Assignment names: reads the log from the
// checkpoints stored in Postgres, keeps the events the fence admits, and applies each batch and
// moves its checkpoints in one transaction. The checkpoint update is a compare-and-set on the
// offset the batch started from, so two runners that both believe they own a partition (a
// rebalance in progress, a rebuild being swapped in) can never both apply the same event.
//
// An event the projection cannot apply stalls its partition (the others go on): the checkpoint
// stays before it, Postgres and the log describe it, and it is retried with a growing delay until
// it applies or an operator parks it (`regent projections skip`).
#include <atomic>
#include <chrono>
#include <functional>
#include <pqxx/connection>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/transaction>
#include <set>
#include <string>
#include <vector>

#include "events/fence.hpp"
#include "events/kafka_handles.hpp"
#include "projections/assignment.hpp"
#include "projections/projection.hpp"

namespace regent::core {
class MasterKeys;
}
namespace regent::events {
class History;
class LogReader;
}

namespace regent::projections {

struct Cursor {
  int64_t next_offset = 0;
  events::FenceState fence;
  int64_t skipped = 0;  // invalid events passed over so far (the fence's verdict)
  std::string last_event_id;  // of the record at next_offset - 1: ties the checkpoint to its log
  std::string last_event_time;  // of the last event read, else when the checkpoint last moved (the lag in seconds)
};
using Cursors = std::map<int32_t, Cursor>;

// Where projections read and write: the same for the engine, its runners and a rebuild.
struct Endpoints {
  std::string pg_url;
  std::string brokers;
  std::string topic;
  int32_t partitions = 0;
  const events::History* history = nullptr;  // the embedded log's, when running beside it
  // What opens sealed personal fields (projections/personal_reader.hpp); none: a sealed field
  // stalls its partition.
  std::shared_ptr<const core::MasterKeys> master;
};

struct RunnerOptions {
  Endpoints where;
  size_t max_batch = 2000;
  std::chrono::milliseconds linger{5};  // how long a batch may wait for more events
  // Empty: the live tables. Otherwise the schema a rebuild writes into (first on search_path).
  std::string schema;
  // Called after each committed batch; returning true ends the runner (a rebuild swapped in).
  std::function<bool(pqxx::connection&, const Cursors&, events::LogReader&)> after_commit;
  // A rebuild: a partition whose beginning the log no longer holds fails the run (run() throws
  // events::LogTruncated) instead of stalling that partition.
  bool fail_when_truncated = false;
};

class Runner {
 public:
  Runner(RunnerOptions options, Projection& projection, Assignment& assignment, const std::atomic<bool>& stop);
  // Returns when `stop` is set or `after_commit` said so.
  void run();
  const std::string& name() const { return name_; }
  // The partitions it is stuck on, in words (stalled on an event, or not moving with events to
  // read for `idle`): what a worker's /readyz reports.
  std::vector<std::string> problems(std::chrono::seconds idle) const;

 private:
  struct Stall {
    int64_t offset = 0;
    std::chrono::steady_clock::time_point retry_at;
    std::chrono::milliseconds delay{0};
    bool armed = true;  // messages of the partition are held back until retry_at
  };

  bool run_generation(const Assignment::View& view);
  void check_same_log(pqxx::connection& conn, const events::Message& m, const Cursor& c);
  void commit(pqxx::connection& conn, const std::vector<events::Message>& messages, Cursors& cursors);
  void write_checkpoints(pqxx::work& tx, const Cursors& progress);
  void advance(Cursors& next, Cursors& cursors);
  void flush_deferred(pqxx::connection& conn, const Cursors& cursors, bool now);
  void commit_carefully(pqxx::connection& conn, const std::vector<events::Message>& messages, Cursors& cursors);
  void stall(pqxx::connection& conn, const events::Message& m, const std::string& error);
  void stall_truncated(pqxx::connection& conn, int32_t partition, int64_t checkpoint, const std::string& why);
  void publish_stall(pqxx::connection& conn, const events::Message& m, int64_t checkpoint, const std::string& id,
                     const std::string& type, const std::string& why);
  bool hold(int32_t partition, int64_t offset, std::chrono::milliseconds delay);
  bool held(int32_t partition) const;
  bool retry_due();
  void export_metrics(const Cursors& cursors, events::LogReader& reader);

  struct Progress {
    int64_t checkpoint = 0;
    int64_t end = -1;
    std::chrono::steady_clock::time_point moved = std::chrono::steady_clock::now();
    std::string stalled;  // what it is stalled on, in words
  };
  void report(int32_t partition, const std::function<void(Progress&)>& f);
  void forget_all_but(const std::set<int32_t>& partitions);

  RunnerOptions options_;
  Projection& projection_;
  const std::string name_;
  Assignment& assignment_;
  size_t id_;
  const std::atomic<bool>& stop_;
  std::map<int32_t, Stall> stalls_;
  std::set<std::pair<int32_t, int64_t>> parked_;  // dead letters: (partition, offset)
  std::map<int32_t, int64_t> stored_;  // each checkpoint as Postgres holds it (cursors may be ahead)
  std::optional<std::chrono::steady_clock::time_point> deferred_since_;  // checkpoints moved in memory only
  static constexpr std::chrono::milliseconds kDeferAtMost{200};
  mutable std::mutex report_mu_;
  std::map<int32_t, Progress> progress_;
};

}  // namespace regent::projections
