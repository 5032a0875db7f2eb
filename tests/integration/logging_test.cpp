// What an operator's log pipeline sees: every line a role writes is one JSON object, numbers are
// JSON numbers, and librdkafka's own lines come through the same logger.
#include <fstream>
#include <iterator>
#include <sstream>

#include "events/mock_cluster.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {
// Every line of `log` parsed; fails the test on a line that is not a JSON object.
std::vector<std::unique_ptr<regent::core::JsonDocument>> json_lines(const std::string& log) {
  std::vector<std::unique_ptr<regent::core::JsonDocument>> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto doc = regent::core::JsonDocument::parse(line);
    REQUIRE_MESSAGE(doc, line);
    REQUIRE_MESSAGE(doc->root().is_object(), line);
    out.push_back(std::move(doc));
  }
  return out;
}
}  // namespace

TEST_CASE("every line regent dev logs is a JSON object, with numbers as numbers and librdkafka's lines its own") {
  DevServer dev;
  signup(dev.port(), "logs", "ada@logs.test");
  REQUIRE(get(dev.port(), "/healthz").status == 200);
  CHECK(dev.proc->terminate() == 0);
  std::string log = dev.proc->log_tail(1 << 20);
  auto lines = json_lines(log);
  REQUIRE(lines.size() > 10);
  int requests = 0, loaded = 0;
  for (const auto& doc : lines) {
    auto root = doc->root();
    std::string_view msg = regent::core::get_string(root, "msg").value_or("");
    if (msg == "request") {
      ++requests;
      CHECK(root["status"].is_int64());
      CHECK(root["ms"].is_number());
      CHECK(root["request_id"].is_string());
      CHECK(regent::core::get_string(root, "trace_id").value_or("").size() == 32);  // W3C trace of the request
    }
    if (msg == "command state loaded") {
      ++loaded;
      CHECK(root["partitions"].is_int64());
      CHECK(root["events_read"].is_int64());
    }
  }
  CHECK(requests >= 2);
  CHECK(loaded == 1);
  CHECK(log.find("CONFWARN") == std::string::npos);  // the mock's host handle has nothing to say
}

TEST_CASE("librdkafka's warnings reach the log as Regent's JSON records") {
  // A serve whose brokers cannot be reached: librdkafka says so, through Regent's logger.
  TempDir dir;
  TestDatabase db;
  auto env = cluster_env("127.0.0.1:1", 1, db.url());
  env["REGENT_KAFKA_TIMEOUT"] = "1s";
  CHECK_THROWS(RegentProcess({"serve"}, env, dir.path() + "/serve.log", "listening on http://", std::chrono::seconds(40)));
  std::ifstream in(dir.path() + "/serve.log");
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto lines = json_lines(log);
  bool from_kafka = false;
  for (const auto& doc : lines)
    if (regent::core::get_string(doc->root(), "component") == std::optional<std::string_view>("kafka")) {
      from_kafka = true;
      CHECK(doc->root()["facility"].is_string());
      CHECK(doc->root()["client"].is_string());
    }
  CHECK_MESSAGE(from_kafka, log);
}
