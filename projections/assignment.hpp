#pragma once
// The partitions a worker process projects, as its consumer group last said (or all of them when
// it runs alone). Runners pick each change up between batches and acknowledge it, so that a
// revocation returns once nobody here works on the revoked partitions any more.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <vector>

namespace regent::projections {

class Assignment {
 public:
  struct View {
    uint64_t generation = 0;
    std::set<int32_t> partitions;
  };

  View get() const;
  uint64_t generation() const;
  void add(const std::set<int32_t>& partitions);
  void remove(const std::set<int32_t>& partitions);
  // Each runner registers once, then says which generation it works on from now on.
  size_t add_runner();
  void acknowledge(size_t runner, uint64_t g);
  // True once every runner works on the current generation.
  bool wait_acknowledged(std::chrono::milliseconds timeout);
  // Waits until the generation differs from `g`, at most `timeout`.
  void wait_change(uint64_t g, std::chrono::milliseconds timeout) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  uint64_t generation_ = 0;
  std::set<int32_t> partitions_;
  std::vector<uint64_t> acknowledged_;  // per runner
};

}  // namespace regent::projections
