#include "tests/support/test_database.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <pqxx/pqxx>
#include <stdexcept>

namespace regent::test {
namespace {
std::atomic<int> counter{0};
std::string unique_suffix() { return std::to_string(getpid()) + "_" + std::to_string(counter++); }
}  // namespace

TestDatabase::TestDatabase() {
  const char* base = std::getenv("REGENT_TEST_PG_URL");
  if (!base || !*base)
    throw std::runtime_error("REGENT_TEST_PG_URL is not set: run the tests through scripts/test");
  admin_url_ = base;
  name_ = "regent_test_" + unique_suffix();
  {
    pqxx::connection c(admin_url_);
    pqxx::nontransaction tx(c);
    tx.exec("CREATE DATABASE " + name_);
  }
  auto slash = admin_url_.rfind('/');
  url_ = admin_url_.substr(0, slash + 1) + name_;
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection c(admin_url_);
    pqxx::nontransaction tx(c);
    tx.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
  }
}

long long TestDatabase::count(const std::string& sql) const {
  pqxx::connection c(url_);
  pqxx::read_transaction tx(c);
  return tx.exec1(sql)[0].as<long long>();
}

std::string TestDatabase::text(const std::string& sql) const {
  pqxx::connection c(url_);
  pqxx::read_transaction tx(c);
  auto v = tx.exec1(sql)[0];
  return v.is_null() ? "" : v.as<std::string>();
}

void TestDatabase::exec(const std::string& sql) const {
  pqxx::connection c(url_);
  pqxx::nontransaction tx(c);
  tx.exec(sql);
}

TempDir::TempDir() {
  const char* base = std::getenv("REGENT_TEST_TMP");
  std::filesystem::path root = base && *base ? base : std::filesystem::temp_directory_path().string();
  path_ = (root / ("regent-" + unique_suffix())).string();
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace regent::test
