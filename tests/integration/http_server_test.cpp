// The HTTP server's fibers over real loopback connections: a handler waiting for another thread
// (as a command waits for the log) holds no thread, blocking work goes to the pool, and a stop
// lets a suspended request finish.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "api/http_server.hpp"
#include "core/waiting.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"

using namespace regent;
namespace test = regent::test;
using namespace std::chrono_literals;

namespace {
// Wakes kept until the test lets the waiting handlers go.
struct Parked {
  std::mutex mu;
  std::vector<std::function<void()>> wakes;
  size_t count() {
    std::lock_guard lock(mu);
    return wakes.size();
  }
  void release_all() {
    std::vector<std::function<void()>> taken;
    {
      std::lock_guard lock(mu);
      taken.swap(wakes);
    }
    for (auto& w : taken) w();
  }
};

// One I/O thread and one pool thread: whatever blocks either shows at once.
api::ServerOptions tight() {
  api::ServerOptions o;
  o.port = 0;
  o.io_threads = 1;
  o.handler_threads = 1;
  return o;
}

api::Response text(int status, std::string body) {
  api::Response r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}
}  // namespace

TEST_CASE("handlers waiting for another thread hold no thread: one I/O thread serves many waiting at once") {
  Parked parked;
  api::HttpServer server(tight(), [&](api::Request& req) {
    if (req.path != "/wait") return text(404, "");
    core::wait_for_wake([&](std::function<void()> wake) {
      std::lock_guard lock(parked.mu);
      parked.wakes.push_back(std::move(wake));
    });
    return text(200, "woken");
  });
  server.start();
  constexpr size_t kClients = 8;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (size_t i = 0; i < kClients; ++i)
    clients.emplace_back([&] {
      auto r = test::get(server.port(), "/wait");
      if (r.status == 200 && r.body == "woken") ++answered;
    });
  // A blocking wait would hold the only I/O thread with the first request: the others would never
  // arrive at the handler.
  bool all_waiting = test::eventually([&] { return parked.count() == kClients; }, 10s);
  CHECK(all_waiting);
  CHECK(answered == 0);
  // Let everything go (one by one if the waits did block), so that the test ends either way.
  std::thread releaser([&] {
    while (answered < static_cast<int>(kClients)) {
      parked.release_all();
      std::this_thread::sleep_for(10ms);
    }
  });
  for (auto& c : clients) c.join();
  releaser.join();
  CHECK(answered == static_cast<int>(kClients));
  server.shutdown(1s);
}

TEST_CASE("blocking work runs on the pool while the I/O thread goes on serving, and its exceptions reach the handler") {
  std::mutex mu;
  std::condition_variable cv;
  bool slow_may_finish = false;
  std::atomic<bool> slow_started{false}, slow_finished{false};
  std::thread::id io_thread, pool_thread;
  api::HttpServer server(tight(), [&](api::Request& req) {
    if (req.path == "/slow") {
      io_thread = std::this_thread::get_id();
      core::run_blocking([&] {
        pool_thread = std::this_thread::get_id();
        slow_started = true;
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return slow_may_finish; });
      });
      slow_finished = true;
      return text(200, "slow");
    }
    if (req.path == "/throws") {
      core::run_blocking([] { throw std::runtime_error("broken on the pool"); });
      return text(200, "unreachable");
    }
    return text(200, "fast");
  });
  server.start();
  std::thread slow([&] { CHECK(test::get(server.port(), "/slow").body == "slow"); });
  REQUIRE(test::eventually([&] { return slow_started.load(); }, 10s));
  // The slow request holds the only pool thread; the only I/O thread still answers.
  auto fast = test::get(server.port(), "/fast");
  CHECK(fast.status == 200);
  CHECK(fast.body == "fast");
  CHECK_FALSE(slow_finished);
  {
    std::lock_guard lock(mu);
    slow_may_finish = true;
  }
  cv.notify_all();
  slow.join();
  CHECK(slow_finished);
  CHECK(io_thread != pool_thread);

  auto thrown = test::get(server.port(), "/throws");
  CHECK(thrown.status == 500);
  CHECK(thrown.header("content-type") == "application/problem+json");
  CHECK(thrown.body.find("broken on the pool") == std::string::npos);  // internals stay inside
  CHECK(test::get(server.port(), "/fast").status == 200);
  server.shutdown(1s);
}

TEST_CASE("a stop waits for a suspended request and lets it answer") {
  Parked parked;
  api::HttpServer server(tight(), [&](api::Request&) {
    core::wait_for_wake([&](std::function<void()> wake) {
      std::lock_guard lock(parked.mu);
      parked.wakes.push_back(std::move(wake));
    });
    return text(200, "answered");
  });
  server.start();
  test::HttpResponse answer;
  std::thread client([&] { answer = test::get(server.port(), "/"); });
  REQUIRE(test::eventually([&] { return parked.count() == 1; }, 10s));
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server.shutdown(0ms);
    stopped = true;
  });
  // Its answer comes after the stop began (as the processor answers what it holds when stopping).
  parked.release_all();
  client.join();
  stopper.join();
  CHECK(stopped);
  CHECK(answer.status == 200);
  CHECK(answer.body == "answered");
}

TEST_CASE("a streamed answer arrives whole in chunks pulled on the pool; one whose producer fails is cut short") {
  std::atomic<bool> on_pool{true};
  std::thread::id io_thread;
  api::HttpServer server(tight(), [&](api::Request& req) {
    io_thread = std::this_thread::get_id();
    auto pieces = std::make_shared<int>(0);
    bool fails = req.path == "/fails";
    api::Response r;
    r.content_type = "text/plain";
    r.stream = [&, pieces, fails]() -> std::optional<std::string> {
      if (std::this_thread::get_id() == io_thread) on_pool = false;
      int n = (*pieces)++;
      if (fails && n == 2) throw std::runtime_error("the database went away");
      if (n == 1) return std::string();  // an empty piece is no chunk, and no end
      if (n == 5) return std::nullopt;
      return "piece " + std::to_string(n) + ";";
    };
    return r;
  });
  server.start();
  auto whole = test::get(server.port(), "/whole");
  CHECK(whole.status == 200);
  CHECK(whole.header("transfer-encoding") == "chunked");
  CHECK(whole.body == "piece 0;piece 2;piece 3;piece 4;");
  CHECK(on_pool);
  // The status and the first piece went out before the failure: the client must not take the
  // rest for a complete answer, so the transfer ends without its last chunk.
  CHECK_THROWS_WITH_AS(test::get(server.port(), "/fails"), doctest::Contains("http read"), std::runtime_error);
  CHECK(test::get(server.port(), "/whole").body == "piece 0;piece 2;piece 3;piece 4;");  // the server goes on
  server.shutdown(1s);
}
