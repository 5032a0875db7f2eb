#include "core/pg_queries.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <functional>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/thread_name.hpp"
#include "core/waiting.hpp"

namespace regent::core {
namespace {
const Logger logger("pg");
constexpr int kMaxRetries = 3;  // of a query aborted by another's failure in the same round trip

Error unavailable(std::string detail) { return make_error(errc::unavailable, std::move(detail)); }
}  // namespace

PgRows::PgRows(pg_result* r) : r_(r) {}
PgRows::PgRows(PgRows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
PgRows& PgRows::operator=(PgRows&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}
PgRows::~PgRows() {
  if (r_) PQclear(r_);
}
int PgRows::size() const { return r_ ? PQntuples(r_) : 0; }
int PgRows::columns() const { return r_ ? PQnfields(r_) : 0; }
bool PgRows::null(int row, int column) const { return PQgetisnull(r_, row, column) != 0; }
std::string_view PgRows::text(int row, int column) const {
  return {PQgetvalue(r_, row, column), static_cast<size_t>(PQgetlength(r_, row, column))};
}
std::string_view PgRows::name(int column) const { return PQfname(r_, column); }

struct PgQueries::Query {
  std::string_view name;
  std::vector<Param> params;
  std::optional<PgRows> rows;
  std::optional<Error> error;
  int retries = 0;
  std::chrono::steady_clock::time_point enqueued;
  std::function<void()> wake;
};

struct PgQueries::Connection {
  PGconn* conn = nullptr;
  std::thread thread;
};

PgQueries::PgQueries(std::string url, std::vector<Statement> statements, Options options)
    : url_(std::move(url)), statements_(std::move(statements)), options_(options) {
  for (size_t i = 0; i < options_.connections; ++i) connections_.push_back(std::make_unique<Connection>());
  for (auto& c : connections_) c->thread = std::thread([this, conn = c.get()] { drive(*conn); });
}

PgQueries::~PgQueries() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& c : connections_) {
    c->thread.join();
    if (c->conn) PQfinish(c->conn);
  }
  std::vector<Query*> left(waiting_.begin(), waiting_.end());
  waiting_.clear();
  fail(left, unavailable("the server is stopping"));
}

Result<PgRows> PgQueries::run(std::string_view name, std::vector<Param> params) {
  Query q;
  q.name = name;
  q.params = std::move(params);
  std::optional<Error> refused;
  wait_for_wake([&](std::function<void()> wake) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) refused = unavailable("the server is stopping");
      else if (open_ == 0 && std::chrono::steady_clock::now() < down_until_)
        refused = unavailable("the database cannot be reached");
      else if (waiting_.size() >= options_.max_waiting) refused = unavailable("too many queries are waiting for the database");
      else {
        q.wake = std::move(wake);
        q.enqueued = std::chrono::steady_clock::now();
        waiting_.push_back(&q);
      }
    }
    if (refused) return wake();
    cv_.notify_one();
  });
  if (refused) return *refused;
  if (q.error) return *q.error;
  return std::move(*q.rows);
}

void PgQueries::fail(std::vector<Query*>& batch, const Error& why) {
  for (Query* q : batch) {
    q->error = why;
    auto wake = std::move(q->wake);
    wake();  // q may be gone from here on
  }
  batch.clear();
}

bool PgQueries::open(Connection& c) {
  c.conn = PQconnectdb(url_.c_str());
  auto broken = [&](const char* what) {
    logger.warn("a query connection to Postgres failed", {{"step", what}, {"reason", std::string(PQerrorMessage(c.conn))}});
    PQfinish(c.conn);
    c.conn = nullptr;
    return false;
  };
  if (PQstatus(c.conn) != CONNECTION_OK) return broken("connect");
  // Times in UTC and ISO style, whatever the server's defaults: answers built from columns rely on it.
  std::string timeout = "SET statement_timeout = " + std::to_string(options_.timeout.count()) +
                        "; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'";
  PGresult* r = PQexec(c.conn, timeout.c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok) return broken("statement_timeout");
  for (const auto& s : statements_) {
    r = PQprepare(c.conn, s.name.c_str(), s.sql.c_str(), 0, nullptr);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) return broken("prepare");
  }
  if (PQsetnonblocking(c.conn, 1) != 0 || PQenterPipelineMode(c.conn) != 1) return broken("pipeline mode");
  return true;
}

namespace {
// Waits until the connection's socket is ready for `events`; false at the timeout or on an error.
bool ready(PGconn* conn, short events, std::chrono::milliseconds timeout) {
  pollfd p{PQsocket(conn), events, 0};
  int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  return n == 1 && !(p.revents & (POLLERR | POLLNVAL));
}

// The next result of the pipeline, waiting for it; nullptr at the end of a query's results, and
// `failed` set when the connection broke or went silent.
PGresult* next_result(PGconn* conn, std::chrono::milliseconds timeout, bool& failed) {
  while (PQisBusy(conn)) {
    if (!ready(conn, POLLIN, timeout) || !PQconsumeInput(conn)) {
      failed = true;
      return nullptr;
    }
  }
  return PQgetResult(conn);
}
}  // namespace

bool PgQueries::exchange(Connection& c, std::vector<Query*>& batch) {
  PGconn* conn = c.conn;
  for (Query* q : batch) {
    std::vector<const char*> values;
    values.reserve(q->params.size());
    std::vector<std::string> owned;  // libpq wants NUL-terminated values
    owned.reserve(q->params.size());
    for (const auto& p : q->params) {
      if (!p) {
        values.push_back(nullptr);
        continue;
      }
      owned.emplace_back(*p);
      values.push_back(owned.back().c_str());
    }
    std::string name(q->name);
    if (!PQsendQueryPrepared(conn, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0))
      return false;
  }
  if (!PQpipelineSync(conn)) return false;
  for (;;) {
    int f = PQflush(conn);
    if (f == 0) break;
    if (f < 0 || !ready(conn, POLLIN | POLLOUT, options_.timeout) || !PQconsumeInput(conn)) return false;
  }
  // Their ratio in /metrics is how many queries share a round trip.
  auto& metrics = Metrics::global();
  metrics.counter_add("regent_pg_query_round_trips_total", {});
  metrics.counter_add("regent_pg_queries_total", {}, static_cast<double>(batch.size()));
  auto sent = std::chrono::steady_clock::now();
  for (Query* q : batch)
    if (q->retries == 0)
      metrics.histogram_observe("regent_pg_query_wait_seconds", {}, std::chrono::duration<double>(sent - q->enqueued).count());
  bool failed = false;
  std::vector<Query*> again;
  for (Query* q : batch) {
    PGresult* r = next_result(conn, options_.timeout, failed);
    if (!r) return false;
    ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      q->rows.emplace(r);
    } else if (status == PGRES_PIPELINE_ABORTED && q->retries < kMaxRetries) {
      PQclear(r);
      ++q->retries;
      again.push_back(q);
    } else {
      std::string why = PQresultErrorMessage(r);
      const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      std::string state = code ? code : "";
      PQclear(r);
      // Cancelled by statement_timeout (57014), the server shutting down (57P..) or out of
      // resources (53...): Postgres cannot answer now, which is the client's 503. Anything else
      // is a fault of the statement.
      if (state == "57014" || state.rfind("57P", 0) == 0 || state.rfind("53", 0) == 0 || state.rfind("08", 0) == 0) {
        logger.warn("a query was not answered", {{"statement", std::string(q->name)}, {"sqlstate", state}});
        q->error = unavailable("the database did not answer in time");
      } else {
        logger.error("a query failed", {{"statement", std::string(q->name)}, {"sqlstate", state}, {"reason", why}});
        q->error = make_error(errc::internal, "the query failed");
      }
    }
    if (next_result(conn, options_.timeout, failed) != nullptr || failed) return false;  // one result per query
  }
  PGresult* sync = next_result(conn, options_.timeout, failed);
  bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync) PQclear(sync);
  if (!synced) return false;
  std::erase_if(batch, [&](Query* q) { return std::find(again.begin(), again.end(), q) != again.end(); });
  for (Query* q : batch) {
    auto wake = std::move(q->wake);
    wake();
  }
  batch.clear();
  if (!again.empty()) {
    std::lock_guard lock(mu_);
    waiting_.insert(waiting_.begin(), again.begin(), again.end());
  }
  return true;
}

void PgQueries::drive(Connection& c) {
  name_this_thread("pg-query");
  std::vector<Query*> batch;
  for (;;) {
    if (!c.conn) {
      bool opened = open(c);
      std::unique_lock lock(mu_);
      if (opened) {
        ++open_;
      } else {
        down_until_ = std::chrono::steady_clock::now() + options_.retry_after;
        // Nothing waits on a database no connection reaches: fail fast until the next try. While
        // another connection is up, the waiting queries are its.
        std::vector<Query*> left;
        if (open_ == 0) left.assign(waiting_.begin(), waiting_.end()), waiting_.clear();
        lock.unlock();
        fail(left, unavailable("the database cannot be reached"));
        lock.lock();
        cv_.wait_for(lock, options_.retry_after, [&] { return stopping_; });
        if (stopping_) return;
        continue;
      }
    }
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
      if (stopping_) return;
      while (!waiting_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(waiting_.front());
        waiting_.pop_front();
      }
    }
    if (exchange(c, batch)) continue;
    logger.warn("a query connection to Postgres broke; opening another", {{"reason", std::string(PQerrorMessage(c.conn))}});
    PQfinish(c.conn);
    // A connection that died while idle (a restarted server) is found out by the batch sent on
    // it: queries only read, so the batch is sent once more on a new connection before it fails.
    for (Query* q : batch) q->rows.reset(), q->error.reset();
    c.conn = nullptr;
    if (open(c) && exchange(c, batch)) continue;
    if (c.conn) PQfinish(c.conn), c.conn = nullptr;
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    fail(batch, unavailable("the database did not answer"));
  }
}

}  // namespace regent::core
