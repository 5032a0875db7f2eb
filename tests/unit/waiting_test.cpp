// core/waiting.hpp on plain threads: waits block until woken, blocking work runs in place.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "core/waiting.hpp"

using namespace regent;

TEST_CASE("on a plain thread a wait blocks until another thread wakes it") {
  std::atomic<bool> woken{false};
  std::thread waker;
  core::wait_for_wake([&](std::function<void()> wake) {
    waker = std::thread([&woken, wake] {
      woken = true;
      wake();
    });
  });
  CHECK(woken);  // returned only after wake()
  waker.join();
}

TEST_CASE("a wake given before the wait starts returns at once, and blocking work runs in place") {
  int started = 0;
  core::wait_for_wake([&](std::function<void()> wake) {
    ++started;
    wake();
  });
  CHECK(started == 1);
  auto caller = std::this_thread::get_id();
  std::thread::id ran_on;
  core::run_blocking([&] { ran_on = std::this_thread::get_id(); });
  CHECK(ran_on == caller);
  CHECK(core::current_scheduler() == nullptr);
}
