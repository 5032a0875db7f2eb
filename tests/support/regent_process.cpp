#include "tests/support/regent_process.hpp"

#include "core/master_keys.hpp"
#include "tests/support/test_database.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace regent::test {

namespace {
// One master key file for every process this test binary starts without a data folder of its own
// (`serve`, the workers): what an operator gives every instance of a cluster.
const std::string& shared_master_key_file() {
  static TempDir dir;
  static const std::string path = [] {
    std::string p = dir.path() + "/master.key";
    core::FileMasterKeys::create(p);
    return p;
  }();
  return path;
}

// The environment of a child: this process's, without its REGENT_* variables, plus `env`.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "REGENT_", 7) != 0) envs.emplace_back(*e);
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  if (!env.count("REGENT_MASTER_KEY_FILE") && !env.count("REGENT_DATA_DIR"))
    envs.push_back("REGENT_MASTER_KEY_FILE=" + shared_master_key_file());
  return envs;
}

[[noreturn]] void exec_regent(std::vector<std::string> args, std::vector<std::string> envs) {
  std::vector<char*> argv{const_cast<char*>(REGENT_BINARY)};
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);
  execve(REGENT_BINARY, argv.data(), envp.data());
  _exit(127);
}
}  // namespace

CommandResult run_regent(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                         std::chrono::seconds timeout) {
  auto envs = child_environment(env);
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], STDOUT_FILENO);
    dup2(pipefd[1], STDERR_FILENO);
    exec_regent(args, envs);
  }
  close(pipefd[1]);
  CommandResult out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      out.output += "\n(killed: still running after the test's timeout)";
      break;
    }
    pollfd p{pipefd[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    ssize_t n = read(pipefd[0], buf, sizeof buf);
    if (n <= 0) break;
    out.output.append(buf, static_cast<size_t>(n));
  }
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

RegentProcess::RegentProcess(std::vector<std::string> args, std::map<std::string, std::string> env,
                             std::string log_path, std::string ready_line, std::chrono::seconds timeout)
    : log_path_(std::move(log_path)) {
  auto envs = child_environment(env);
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(pipefd[1], STDOUT_FILENO);
    int logfd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (logfd >= 0) dup2(logfd, STDERR_FILENO);
    exec_regent(args, envs);
  }
  close(pipefd[1]);
  out_fd_ = pipefd[0];
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string line = read_line(deadline);
    if (auto at = line.find("kafka (embedded mock cluster): "); at != std::string::npos)
      kafka_ = line.substr(at + 31);
    if (auto at = line.find("listening on http://"); at != std::string::npos)
      port_ = std::stoi(line.substr(line.rfind(':') + 1));
    if (line.find(ready_line) != std::string::npos) break;
  }
}

std::string RegentProcess::read_line(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (auto nl = buffered_.find('\n'); nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("regent did not become ready; its log:\n" + log_tail());
    pollfd p{out_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) throw std::runtime_error("regent exited before it was ready; its log:\n" + log_tail());
    buffered_.append(buf, static_cast<size_t>(n));
  }
}

void RegentProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int RegentProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 300; ++i) {  // up to 30 s, checking every 100 ms for the exit
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    usleep(100'000);
  }
  kill9();
  return -1;
}

RegentProcess::~RegentProcess() {
  terminate();
  if (out_fd_ >= 0) close(out_fd_);
}

std::string RegentProcess::log_tail(size_t bytes) const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

}  // namespace regent::test
