#pragma once
// Read-your-writes: knows how far each projection has applied each partition, learning of every
// commit through LISTEN regent_checkpoints, and lets queries wait for a position without polling.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace regent::projections {

class CheckpointWatcher {
 public:
  explicit CheckpointWatcher(std::string pg_url);
  ~CheckpointWatcher();
  void start();
  void stop();

  // True once every projection in `names` has applied `offset` of `partition`; false on timeout.
  bool wait(const std::vector<std::string>& names, int32_t partition, int64_t offset,
            std::chrono::milliseconds timeout);

 private:
  void run();
  bool reached(const std::vector<std::string>& names, int32_t partition, int64_t offset) const;
  std::string pg_url_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::map<int32_t, int64_t>> next_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace regent::projections
