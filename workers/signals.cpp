#include "workers/signals.hpp"

#include <unistd.h>

#include <csignal>

namespace regent::workers {
namespace {
sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}
}  // namespace

void block_stop_signals() {
  sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int wait_for_stop_signal() {
  sigset_t set = stop_set();
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

void raise_stop_signal() { kill(getpid(), SIGTERM); }

}  // namespace regent::workers
