#pragma once
// Names the calling thread (top, perf, /proc/<pid>/task/*/comm show it): "regent-p3" says more in a
// profile than a column of "regent". Linux keeps the first 15 characters.
#include <string_view>

namespace regent::core {
void name_this_thread(std::string_view name);
}
