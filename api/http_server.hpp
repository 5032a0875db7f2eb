#pragma once
// The HTTP/1.1 server (Boost.Beast, C++20 coroutines). I/O threads only parse and write; every
// handler runs on a bounded pool, so a slow handler never stalls a connection's neighbours. The
// only translation unit that includes Beast.
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
  int handler_threads = 16;
  int64_t max_body_bytes = 1 << 20;
  std::chrono::seconds read_timeout{30};
};

class HttpServer {
 public:
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
