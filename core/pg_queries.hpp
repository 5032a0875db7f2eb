#pragma once
// How every query reaches Postgres: prepared statements sent over a few connections in libpq's
// pipeline mode, each connection driven by a thread of its own. A query waits for its rows with
// core::wait_for_wake, so a fiber is suspended (no I/O thread is held) and a plain thread blocks.
// The queries waiting when a connection is free go to Postgres together, in one round trip
// (group commit, for reads): one statement is one round trip at most, never a transaction around
// it, and a busy server answers many queries per round trip.
//
// Bounded: past `max_waiting` queries, or while no connection is up and the last try to open one
// failed less than `retry_after` ago, a query fails at once with errc::unavailable; a connection that
// answers nothing for `timeout` is dropped, its queries failed, and it is opened again.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.hpp"

struct pg_result;

namespace regent::core {

// The rows of one statement, as text (libpq's text format).
class PgRows {
 public:
  PgRows() = default;
  explicit PgRows(pg_result* r);
  PgRows(PgRows&& o) noexcept;
  PgRows& operator=(PgRows&& o) noexcept;
  PgRows(const PgRows&) = delete;
  PgRows& operator=(const PgRows&) = delete;
  ~PgRows();

  int size() const;
  bool empty() const { return size() == 0; }
  int columns() const;
  bool null(int row, int column) const;
  std::string_view text(int row, int column) const;
  std::string_view name(int column) const;

 private:
  pg_result* r_ = nullptr;
};

class PgQueries {
 public:
  struct Statement {
    std::string name;
    std::string sql;
  };
  struct Options {
    size_t connections = 2;
    size_t max_waiting = 4096;
    size_t max_batch = 256;  // queries per round trip
    std::chrono::milliseconds timeout{5000};
    std::chrono::milliseconds retry_after{1000};
  };
  using Param = std::optional<std::string_view>;  // nullopt is NULL

  PgQueries(std::string url, std::vector<Statement> statements, Options options);
  PgQueries(std::string url, std::vector<Statement> statements) : PgQueries(std::move(url), std::move(statements), Options{}) {}
  ~PgQueries();

  // The rows of the prepared statement `name` for `params`. errc::unavailable when Postgres cannot
  // answer now (down, too many waiting, timed out); errc::internal when the statement failed.
  Result<PgRows> run(std::string_view name, std::vector<Param> params);


 private:
  struct Query;
  struct Connection;
  void drive(Connection& c);
  bool open(Connection& c);
  bool exchange(Connection& c, std::vector<Query*>& batch);
  void fail(std::vector<Query*>& batch, const Error& why);

  std::string url_;
  std::vector<Statement> statements_;
  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Query*> waiting_;  // under mu_
  bool stopping_ = false;       // under mu_
  size_t open_ = 0;  // under mu_: connections up; with none, queries fail fast until down_until_
  std::chrono::steady_clock::time_point down_until_{};  // under mu_
  std::vector<std::unique_ptr<Connection>> connections_;
};

}  // namespace regent::core
