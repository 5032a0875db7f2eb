#pragma once
// A fresh, empty database for one test, dropped when the test ends. The server it lives on is
// REGENT_TEST_PG_URL's (scripts/test starts it); a test run without it fails, never skips.
#include <string>

namespace regent::test {

class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  const std::string& url() const { return url_; }
  long long count(const std::string& sql) const;  // a scalar query
  std::string text(const std::string& sql) const;  // a scalar query, as text ("" for NULL)
  void exec(const std::string& sql) const;

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

// A fresh directory under REGENT_TEST_TMP (or the system's temp), removed at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace regent::test
