#include "core/waiting.hpp"

#include <condition_variable>
#include <mutex>

namespace regent::core {
namespace {
thread_local Scheduler* current = nullptr;
}

Scheduler* current_scheduler() { return current; }

SchedulerScope::SchedulerScope(Scheduler* s) : previous_(current) { current = s; }
SchedulerScope::~SchedulerScope() { current = previous_; }

void wait_for_wake(const std::function<void(std::function<void()> wake)>& start) {
  if (current) return current->suspend(start);
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  start([&] {
    std::lock_guard lock(mu);
    woken = true;
    cv.notify_one();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return woken; });
}

void run_blocking(const std::function<void()>& work) {
  if (current) return current->offload(work);
  work();
}

}  // namespace regent::core
