#pragma once
// The projection engine (DESIGN.md decision 3): one runner per projection over the partitions this
// process projects — all of them, or those the workers' consumer group gives it — and, for a read
// model built by an older version of its projection, a rebuild that swaps fresh tables in.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "projections/assignment.hpp"
#include "projections/projection.hpp"
#include "projections/runner.hpp"

namespace regent::events {
class Membership;
}

namespace regent::projections {

struct EngineOptions {
  RunnerOptions runners;  // where, and how batches are sized
  // Empty: this process projects every partition. Otherwise the consumer group that shares them
  // out between worker processes.
  std::string group;
  std::string instance_id;
  std::chrono::milliseconds session_timeout{6000};
};

class Engine {
 public:
  Engine(EngineOptions options, std::vector<std::unique_ptr<Projection>> projections);
  ~Engine();

  void start();
  void stop();  // leaves the group, finishes the batches in hand, commits them, then returns
  // With a group: true once it has answered at least once.
  bool joined() const;
  // What the runners are stuck on, in words (empty when all is well).
  std::vector<std::string> problems(std::chrono::seconds idle = std::chrono::seconds(30)) const;

 private:
  void check_versions();
  void rebuild_in_background(Projection& projection);

  EngineOptions options_;
  std::vector<std::unique_ptr<Projection>> projections_;
  std::vector<Projection*> runnable_;
  std::vector<std::shared_ptr<Runner>> runners_;
  std::vector<Projection*> outdated_;
  Assignment assignment_;
  std::unique_ptr<events::Membership> membership_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
};

}  // namespace regent::projections
