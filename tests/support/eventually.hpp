#pragma once
// Waiting for a condition instead of sleeping for a guess: asks again every 100 ms until `done`
// holds or the deadline passes; true if it held.
#include <chrono>
#include <thread>

namespace regent::test {

template <class F>
bool eventually(F done, std::chrono::seconds deadline = std::chrono::seconds(30)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace regent::test
