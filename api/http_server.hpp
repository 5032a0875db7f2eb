#pragma once
// The HTTP/1.1 server (Boost.Beast). Each connection is a fiber (a stackful coroutine) on one of
// a few I/O threads, and the handler runs in it under a core::Scheduler: waiting for the command
// processor suspends the fiber instead of holding a thread, so a command costs no thread hand-off
// of its own. A handler must not block its I/O thread: what blocks (Postgres, password hashing,
// forwarding) goes through core::run_blocking to the bounded handler pool, so a slow handler never
// stalls a connection's neighbours. The only translation unit that includes Beast.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "api/http.hpp"

namespace regent::api {

struct ServerOptions {
  std::string address = "127.0.0.1";
  int port = 8080;
  int io_threads = 2;
  int handler_threads = 16;  // for what handlers run through core::run_blocking
  int64_t max_body_bytes = 1 << 20;
  std::chrono::seconds read_timeout{30};
};

class HttpServer {
 public:
  // Runs on an I/O thread: blocking work inside goes through core::run_blocking.
  using Handler = std::function<Response(Request&)>;
  HttpServer(ServerOptions options, Handler handler);
  ~HttpServer();

  void start();     // binds and starts serving; throws if it cannot bind
  int port() const;  // the bound port (useful with port 0)
  // Stops accepting, lets in-flight requests finish for up to `grace`, then closes everything.
  void shutdown(std::chrono::milliseconds grace);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace regent::api
