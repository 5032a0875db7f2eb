#pragma once
// A fixed pool of Postgres connections handed out as RAII leases. A connection is never shared
// between threads; a broken one is replaced on its next lease. Named statements registered with
// the pool are prepared on every connection it opens.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace regent::core {

class PgPool;

class PgLease {
 public:
  PgLease(PgPool* pool, std::unique_ptr<pqxx::connection> conn) : pool_(pool), conn_(std::move(conn)) {}
  PgLease(PgLease&&) = default;
  PgLease& operator=(PgLease&&) = delete;
  ~PgLease();
  pqxx::connection& operator*() { return *conn_; }
  pqxx::connection* operator->() { return conn_.get(); }

 private:
  PgPool* pool_;
  std::unique_ptr<pqxx::connection> conn_;
};

class PgPool {
 public:
  struct Statement {
    std::string name;
    std::string sql;
  };
  PgPool(std::string url, size_t size, std::vector<Statement> statements = {});

  // Waits up to `timeout` for a free connection; throws pqxx::broken_connection when Postgres
  // cannot be reached and std::runtime_error when the pool stays exhausted.
  PgLease lease(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  const std::string& url() const { return url_; }

 private:
  friend class PgLease;
  void give_back(std::unique_ptr<pqxx::connection> conn);
  std::unique_ptr<pqxx::connection> connect();

  std::string url_;
  size_t size_;
  std::vector<Statement> statements_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  size_t open_ = 0;
};

}  // namespace regent::core
