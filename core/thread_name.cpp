#include "core/thread_name.hpp"

#include <pthread.h>

#include <string>

namespace regent::core {
void name_this_thread(std::string_view name) {
  std::string shortened(name.substr(0, 15));
  pthread_setname_np(pthread_self(), shortened.c_str());
}
}  // namespace regent::core
