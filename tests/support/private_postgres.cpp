#include "tests/support/private_postgres.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <pqxx/pqxx>
#include <stdexcept>

namespace regent::test {
namespace {
std::string pg_bin() {
  std::string best;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql"))
    if (std::filesystem::exists(e.path() / "bin" / "pg_ctl") && e.path().string() > best) best = e.path().string();
  if (best.empty()) throw std::runtime_error("no Postgres binaries under /usr/lib/postgresql");
  return best + "/bin/";
}

std::string as_owner() { return geteuid() == 0 ? "runuser -u postgres -- " : ""; }

void run(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("no free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}
}  // namespace

PrivatePostgres::PrivatePostgres() {
  // Under /tmp: the postgres user must reach it, which a root-owned test folder may not allow.
  char templ[] = "/tmp/regent-pg-XXXXXX";
  if (!mkdtemp(templ)) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  if (geteuid() == 0) run("chown postgres:postgres " + dir_);
  port_ = free_port();
  run(as_owner() + pg_bin() + "initdb -D " + dir_ + "/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null");
  pg_ctl("start");
  pqxx::connection c("postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres");
  pqxx::nontransaction tx(c);
  tx.exec("CREATE ROLE regent LOGIN");
  tx.exec("CREATE DATABASE regent OWNER regent");
}

PrivatePostgres::~PrivatePostgres() {
  try {
    run(as_owner() + pg_bin() + "pg_ctl -D " + dir_ + "/data -m immediate stop >/dev/null 2>&1");
  } catch (...) {
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string PrivatePostgres::url() const { return "postgresql://regent@127.0.0.1:" + std::to_string(port_) + "/regent"; }

void PrivatePostgres::pg_ctl(const std::string& action) const {
  run(as_owner() + pg_bin() + "pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 -m fast -o \"-p " +
      std::to_string(port_) + " -k " + dir_ + " -c listen_addresses=127.0.0.1\" " + action + " >/dev/null");
}

void PrivatePostgres::restart() { pg_ctl("restart"); }
void PrivatePostgres::stop() { pg_ctl("stop"); }
void PrivatePostgres::start() { pg_ctl("start"); }

}  // namespace regent::test
