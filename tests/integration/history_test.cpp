// Readers of the embedded log follow its in-memory mirror while every append succeeded, and fall
// back to the mock cluster (over the Kafka protocol) for whatever the mirror may lack once one
// failed; an offset past the log's end stays the broker's error, as with any log.
#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "events/history.hpp"
#include "events/log_reader.hpp"
#include "events/mock_cluster.hpp"
#include "events/producer.hpp"

using namespace regent;
using namespace std::chrono_literals;

namespace {
constexpr const char* kTopic = "history.test";

events::Record rec(const std::string& value) { return events::Record{"k", value, {}}; }

struct Log {
  events::MockCluster cluster{1};
  std::unique_ptr<events::Producer> producer;
  events::History history{1};
  Log() {
    cluster.create_topic(kTopic, 1, 1);
    producer = std::make_unique<events::Producer>(cluster.bootstraps(), kTopic, 5000);
  }
  // Appended to the mock and, as EventLog does on success, mirrored.
  void append(const std::string& value, bool mirror = true) {
    auto d = producer->append(0, {rec(value)});
    REQUIRE(d.error.empty());
    if (mirror) history.add(0, {rec(value)}, d.offsets);
  }
};

std::vector<std::string> read(events::LogReader& reader, size_t n) {
  std::vector<std::string> out;
  auto until = std::chrono::steady_clock::now() + 10s;
  while (out.size() < n && std::chrono::steady_clock::now() < until)
    for (auto& m : reader.poll(n - out.size(), 200ms)) out.push_back(m.value);
  return out;
}
}  // namespace

TEST_CASE("a reader follows the whole mirror, woken by each append, and falls back to the mock when it breaks") {
  Log log;
  log.append("a");
  log.append("b");
  events::LogReader reader(log.cluster.bootstraps(), kTopic, &log.history);
  reader.assign({{0, 0}});
  CHECK(read(reader, 2) == std::vector<std::string>{"a", "b"});

  // A waiting reader is woken by the next acknowledged append, well before its wait is over.
  std::thread later([&] {
    std::this_thread::sleep_for(100ms);
    log.append("c");
  });
  auto started = std::chrono::steady_clock::now();
  auto got = reader.poll(10, 5000ms);
  later.join();
  REQUIRE(got.size() == 1);
  CHECK(got[0].value == "c");
  CHECK(std::chrono::steady_clock::now() - started < 4000ms);

  // A record the mirror never got (an append that failed on the client but landed): once the
  // failure is known, the reader takes what follows from the mock cluster.
  log.append("d", /*mirror=*/false);
  log.history.mark_broken();
  CHECK(log.history.broken());
  auto rest = read(reader, 1);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0] == "d");
  CHECK(log.history.size(0) == 3);  // the mirror stays what it was: a prefix of the log
}

TEST_CASE("past the end of the embedded log a reader gets the broker's out-of-range error, not a silent wait") {
  Log log;
  log.append("a");
  events::LogReader reader(log.cluster.bootstraps(), kTopic, &log.history);
  reader.assign({{0, 5}});
  bool refused = false;
  auto until = std::chrono::steady_clock::now() + 10s;
  while (!refused && std::chrono::steady_clock::now() < until) {
    try {
      reader.poll(10, 200ms);
    } catch (const std::runtime_error&) {
      refused = true;
    }
  }
  CHECK(refused);
}
