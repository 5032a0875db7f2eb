#pragma once
// SIGTERM/SIGINT handling: block them in every thread (call before starting any), then wait.
namespace regent::workers {

void block_stop_signals();
int wait_for_stop_signal();  // returns the signal number
void raise_stop_signal();    // wakes wait_for_stop_signal() from inside the process

}  // namespace regent::workers
