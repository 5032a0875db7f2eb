#pragma once
// A Postgres server of a test's own (Debian's binaries, a fresh cluster in a temporary folder, a
// free port), for the tests that restart it: the shared test server must stay up for the others.
// Run by the `postgres` OS user when the tests run as root, as the server insists.
#include <string>

namespace regent::test {

class PrivatePostgres {
 public:
  PrivatePostgres();  // initdb, start, and a database `regent` owned by a role `regent`
  ~PrivatePostgres();
  PrivatePostgres(const PrivatePostgres&) = delete;

  std::string url() const;  // of the `regent` database
  void restart();            // fast shutdown (connections cut), then start again
  void stop();               // fast shutdown
  void start();
  int port() const { return port_; }

 private:
  void pg_ctl(const std::string& args) const;
  std::string dir_;
  int port_ = 0;
};

}  // namespace regent::test
