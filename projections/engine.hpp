#pragma once
// The projection engine (DESIGN.md decision 3, first form): for each projection, read the log from
// its checkpoints, keep the events the fence admits, apply a batch and move the checkpoints in one
// Postgres transaction, then announce the new checkpoints (NOTIFY regent_checkpoints).
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "projections/projection.hpp"

namespace regent::events {
class History;
}

namespace regent::projections {

struct EngineOptions {
  std::string pg_url;
  std::string brokers;
  std::string topic;
  int32_t partitions = 0;
  size_t max_batch = 1000;
  std::chrono::milliseconds linger{5};  // how long a batch may wait for more events
  const events::History* history = nullptr;  // the embedded log's, when the engine runs beside it
};

class Engine {
 public:
  Engine(EngineOptions options, std::vector<std::unique_ptr<Projection>> projections);
  ~Engine();

  void start();  // one thread per projection
  void stop();   // finishes the batch in hand, commits it, then returns

 private:
  void run(Projection& projection);
  EngineOptions options_;
  std::vector<std::unique_ptr<Projection>> projections_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
};

}  // namespace regent::projections
