#include "core/pg_pool.hpp"

#include <stdexcept>

namespace regent::core {

PgLease::~PgLease() {
  if (conn_) pool_->give_back(std::move(conn_));
}

PgPool::PgPool(std::string url, size_t size, std::vector<Statement> statements)
    : url_(std::move(url)), size_(size), statements_(std::move(statements)) {}

std::unique_ptr<pqxx::connection> PgPool::connect() {
  auto c = std::make_unique<pqxx::connection>(url_);
  for (const auto& s : statements_) c->prepare(s.name, s.sql);
  return c;
}

PgLease PgPool::lease(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return !idle_.empty() || open_ < size_; }))
    throw std::runtime_error("postgres pool exhausted");
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    if (c->is_open()) return PgLease(this, std::move(c));
    --open_;
  }
  ++open_;
  lock.unlock();
  try {
    return PgLease(this, connect());
  } catch (...) {
    std::lock_guard relock(mu_);
    --open_;
    cv_.notify_one();
    throw;
  }
}

void PgPool::give_back(std::unique_ptr<pqxx::connection> conn) {
  std::lock_guard lock(mu_);
  if (conn->is_open()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  cv_.notify_one();
}

}  // namespace regent::core
