#include "projections/assignment.hpp"

namespace regent::projections {

Assignment::View Assignment::get() const {
  std::lock_guard lock(mu_);
  return {generation_, partitions_};
}

uint64_t Assignment::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

void Assignment::add(const std::set<int32_t>& partitions) {
  {
    std::lock_guard lock(mu_);
    partitions_.insert(partitions.begin(), partitions.end());
    ++generation_;
  }
  cv_.notify_all();
}

void Assignment::remove(const std::set<int32_t>& partitions) {
  {
    std::lock_guard lock(mu_);
    for (auto p : partitions) partitions_.erase(p);
    ++generation_;
  }
  cv_.notify_all();
}

size_t Assignment::add_runner() {
  std::lock_guard lock(mu_);
  acknowledged_.push_back(0);
  return acknowledged_.size() - 1;
}

void Assignment::acknowledge(size_t runner, uint64_t g) {
  {
    std::lock_guard lock(mu_);
    acknowledged_.at(runner) = g;
  }
  cv_.notify_all();
}

bool Assignment::wait_acknowledged(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] {
    for (auto g : acknowledged_)
      if (g < generation_) return false;
    return true;
  });
}

void Assignment::wait_change(uint64_t g, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return generation_ != g; });
}

}  // namespace regent::projections
