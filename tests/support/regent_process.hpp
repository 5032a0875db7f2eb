#pragma once
// Runs the real `regent` binary as a child process, the way an operator would, and reads what it
// prints on standard output to learn its HTTP port and embedded Kafka address.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace regent::test {

class RegentProcess {
 public:
  // Starts `regent <args>` with the REGENT_* variables of `env` (and no others from this process),
  // and waits until it prints a line containing `ready_line`. Throws if it exits first.
  RegentProcess(std::vector<std::string> args, std::map<std::string, std::string> env, std::string log_path,
                std::string ready_line = "listening on http://",
                std::chrono::seconds timeout = std::chrono::seconds(60));
  ~RegentProcess();
  RegentProcess(const RegentProcess&) = delete;

  int port() const { return port_; }
  const std::string& kafka() const { return kafka_; }  // embedded cluster's address, for `dev`
  pid_t pid() const { return pid_; }

  void kill9();     // SIGKILL, then reap
  int terminate();  // SIGTERM, wait for exit, return its exit code
  std::string log_tail(size_t bytes = 4000) const;

 private:
  std::string read_line(std::chrono::steady_clock::time_point deadline);
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffered_;
  std::string log_path_;
  int port_ = 0;
  std::string kafka_;
};

// Runs `regent <args>` to its end (an operator's command such as `projections status`), with the
// REGENT_* variables of `env` only; returns its exit code and everything it printed.
struct CommandResult {
  int exit_code = -1;
  std::string output;  // standard output and standard error, interleaved
};
CommandResult run_regent(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                         std::chrono::seconds timeout = std::chrono::seconds(120));

}  // namespace regent::test
