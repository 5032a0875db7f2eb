#pragma once
// Threads with names (top, perf, /proc/<pid>/task/*/comm show them): "regent-p3" says more in a
// profile than a column of "regent". Linux keeps the first 15 characters.
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace regent::core {

void name_this_thread(std::string_view name);

// std::thread running `f` under `name`.
template <class F>
std::thread named_thread(std::string name, F&& f) {
  return std::thread([name = std::move(name), f = std::forward<F>(f)]() mutable {
    name_this_thread(name);
    f();
  });
}

}  // namespace regent::core
