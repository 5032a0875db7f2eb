#pragma once
// How code waits for work done on another thread. On a thread of its own a wait blocks. Code run
// as a fiber on an event loop (the HTTP server's I/O threads) runs under a Scheduler instead: its
// waits suspend the fiber, so that one thread serves many requests that wait for the event log, and
// what must block (Postgres, password hashing, a forwarded request) is handed to a pool meanwhile.
// No Asio here: the HTTP server provides the scheduler; the command processor only waits.
#include <functional>

namespace regent::core {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // Calls start(wake) and returns once wake() has been called, from any thread (even from within
  // start). After wake() the waiter may be gone: whoever calls it touches nothing of it afterwards.
  virtual void suspend(const std::function<void(std::function<void()> wake)>& start) = 0;
  // Runs `work` where blocking is allowed and returns when it is done.
  virtual void offload(const std::function<void()>& work) = 0;
};

// The scheduler of the code running on this thread right now; nullptr on a plain thread.
Scheduler* current_scheduler();

// Installs a scheduler for the calling thread for the scope's lifetime.
class SchedulerScope {
 public:
  explicit SchedulerScope(Scheduler* s);
  ~SchedulerScope();
  SchedulerScope(const SchedulerScope&) = delete;
  SchedulerScope& operator=(const SchedulerScope&) = delete;

 private:
  Scheduler* previous_;
};

// start(wake), then wait for wake(): suspends under a scheduler, blocks otherwise.
void wait_for_wake(const std::function<void(std::function<void()> wake)>& start);

// Runs `work` now; under a scheduler, on a thread where blocking is allowed.
void run_blocking(const std::function<void()>& work);

}  // namespace regent::core
