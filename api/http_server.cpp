#include "api/http_server.hpp"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/spawn.hpp>
#include <boost/beast.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "api/problem.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "core/waiting.hpp"

namespace regent::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
const core::Logger logger("api");

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 200) return false;
  for (unsigned char c : id)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

// A connection's fiber: waiting for the command processor suspends it (its I/O thread serves the
// other connections meanwhile) and blocking work goes to the handler pool.
class FiberScheduler final : public core::Scheduler {
 public:
  FiberScheduler(asio::yield_context yield, asio::thread_pool& pool) : yield_(std::move(yield)), pool_(pool) {}

  void suspend(const std::function<void(std::function<void()>)>& start) override {
    // Nobody waits through this scheduler while the fiber is away; back, it may be on another thread.
    core::SchedulerScope away(nullptr);
    asio::async_initiate<asio::yield_context, void()>(
        [&start](auto resume) {
          auto shared = std::make_shared<decltype(resume)>(std::move(resume));
          // Posted, never run inline: the fiber resumes only after it has suspended.
          start([shared] { asio::post(std::move(*shared)); });
        },
        yield_);
  }

  void offload(const std::function<void()>& work) override {
    std::exception_ptr failure;
    suspend([&](std::function<void()> wake) {
      asio::post(pool_, [&work, &failure, wake = std::move(wake)] {
        try {
          work();
        } catch (...) {
          failure = std::current_exception();
        }
        wake();
      });
    });
    if (failure) std::rethrow_exception(failure);
  }

 private:
  asio::yield_context yield_;
  asio::thread_pool& pool_;
};

// Room for a handler and what it calls; the guard page turns an overflow into a crash, not into
// silent corruption.
constexpr size_t kFiberStackBytes = 512 * 1024;
}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  Handler handler;
  asio::io_context io;
  asio::thread_pool handlers;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::mutex in_flight_mu;
  std::condition_variable idle;  // notified when in_flight drops to zero
  int in_flight = 0;
  std::atomic<bool> stopping{false};
  int bound_port = 0;

  Impl(ServerOptions o, Handler h)
      : options(std::move(o)), handler(std::move(h)), handlers(static_cast<size_t>(options.handler_threads)) {}

  Request convert(http::request<http::string_body>& msg, const std::string& remote_ip) {
    Request r;
    r.method = std::string(msg.method_string());
    std::string_view target = msg.target();
    r.target = std::string(target);
    auto q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.malformed_query = !parse_query(target.substr(q + 1), r.query);
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      r.headers[name] = std::string(f.value());
    }
    r.body = std::move(msg.body());
    r.remote_ip = remote_ip;
    auto rid = r.header("request-id");
    r.request_id = rid && acceptable_request_id(*rid) ? *rid : core::uuid_v7();
    r.trace = trace_context(r.header("traceparent"), r.header("tracestate"));
    return r;
  }

  template <class Message>
  static void set_head(Message& out, const Response& resp, const std::string& request_id, const TraceContext* trace) {
    out.set(http::field::server, "regent");
    if (!resp.body.empty() || resp.stream || resp.status != 204) out.set(http::field::content_type, resp.content_type);
    out.set("Request-Id", request_id);
    if (trace) {
      out.set("traceparent", trace->traceparent());
      if (!trace->tracestate.empty()) out.set("tracestate", trace->tracestate);
    }
    for (const auto& [k, v] : resp.headers) out.set(k, v);
  }

  static http::response<http::string_body> to_beast(Response& resp, const std::string& request_id,
                                                    const TraceContext* trace, unsigned version, bool keep_alive) {
    http::response<http::string_body> out{static_cast<http::status>(resp.status), version};
    set_head(out, resp, request_id, trace);
    out.body() = std::move(resp.body);
    out.keep_alive(keep_alive);
    out.prepare_payload();
    return out;
  }

  // A streamed body in chunks, each pulled from the handler's producer on the handler pool and
  // written before the next is asked for: a slow reader slows the producer (and one that stops
  // reading is cut off by the write timeout) rather than being buffered for. False when the
  // connection cannot carry another request.
  bool write_streamed(beast::tcp_stream& stream, Response& resp, const Request& req, unsigned version, bool keep_alive,
                      asio::yield_context yield) {
    http::response<http::empty_body> head{static_cast<http::status>(resp.status), version};
    set_head(head, resp, req.request_id, &req.trace);
    head.keep_alive(keep_alive);
    head.chunked(true);
    http::response_serializer<http::empty_body> serializer{head};
    beast::error_code ec;
    stream.expires_after(options.read_timeout);
    http::async_write_header(stream, serializer, yield[ec]);
    while (!ec) {
      std::optional<std::string> piece;
      try {
        FiberScheduler scheduler(yield, handlers);
        core::SchedulerScope scope(&scheduler);
        core::run_blocking([&] { piece = resp.stream(); });
      } catch (const std::exception& ex) {
        logger.error("a streamed answer failed; its transfer is cut short", {{"request_id", req.request_id}, {"error", ex.what()}});
        return false;
      }
      stream.expires_after(options.read_timeout);
      if (!piece) {
        asio::async_write(stream, http::make_chunk_last(), yield[ec]);
        return !ec;
      }
      if (!piece->empty()) asio::async_write(stream, http::make_chunk(asio::buffer(*piece)), yield[ec]);
    }
    return false;
  }

  void session(tcp::socket socket, asio::yield_context yield) {
    std::string remote_ip;  // asked once per connection, not once per request
    {
      beast::error_code ec;
      auto ep = socket.remote_endpoint(ec);
      if (!ec) remote_ip = ep.address().to_string();
    }
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      stream.expires_after(options.read_timeout);
      http::request_parser<http::string_body> parser;
      parser.body_limit(static_cast<uint64_t>(options.max_body_bytes));
      parser.header_limit(16 * 1024);
      beast::error_code ec;
      http::async_read(stream, buffer, parser, yield[ec]);
      if (ec == http::error::body_limit) {
        auto client_rid = parser.get()["Request-Id"];
        std::string rid = acceptable_request_id(client_rid) ? std::string(client_rid) : core::uuid_v7();
        auto resp = problem(core::errc::payload_too_large,
                            "the body exceeds " + std::to_string(options.max_body_bytes) + " bytes", rid);
        auto out = to_beast(resp, rid, nullptr, parser.get().version(), false);
        http::async_write(stream, out, yield[ec]);
        // The client may still be sending the body. Closing now would reset the connection and
        // could destroy the answer before it is read: stop sending, and drain for a while first.
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream.expires_after(std::chrono::seconds(2));
        std::array<char, 16 * 1024> scratch{};
        for (size_t drained = 0; drained < 16 * 1024 * 1024;) {
          size_t got = stream.async_read_some(asio::buffer(scratch), yield[ec]);
          if (ec) break;
          drained += got;
        }
        break;
      }
      if (ec) break;  // closed, timed out or malformed: nothing more to say on this connection
      auto& msg = parser.get();
      bool keep_alive = msg.keep_alive() && !stopping;
      unsigned version = msg.version();
      Request req = convert(msg, remote_ip);
      {
        std::lock_guard lock(in_flight_mu);
        ++in_flight;
      }
      stream.expires_never();
      Response resp;
      {
        FiberScheduler scheduler(yield, handlers);
        core::SchedulerScope scope(&scheduler);
        try {
          resp = handler(req);
        } catch (const std::exception& ex) {
          logger.error("unhandled error", {{"request_id", req.request_id}, {"error", ex.what()}});
          resp = problem(core::errc::internal, "internal error", req.request_id);
        }
      }
      if (resp.stream) {
        keep_alive = write_streamed(stream, resp, req, version, keep_alive, yield) && keep_alive;
      } else {
        auto out = to_beast(resp, req.request_id, &req.trace, version, keep_alive);
        stream.expires_after(options.read_timeout);
        http::async_write(stream, out, yield[ec]);
      }
      {
        std::lock_guard lock(in_flight_mu);
        if (--in_flight == 0) idle.notify_all();
      }
      if (ec || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> listen() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) co_return;
        continue;
      }
      auto exec = socket.get_executor();
      asio::spawn(
          exec, std::allocator_arg, boost::context::protected_fixedsize_stack(kFiberStackBytes),
          [this, socket = std::move(socket)](asio::yield_context yield) mutable { session(std::move(socket), yield); },
          [](std::exception_ptr e) {
            if (!e) return;
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& ex) {
              logger.error("connection ended by an error", {{"error", ex.what()}});
            }
          });
    }
  }
};

HttpServer::HttpServer(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { shutdown(std::chrono::milliseconds(0)); }

void HttpServer::start() {
  auto& i = *impl_;
  tcp::endpoint ep(asio::ip::make_address(i.options.address), static_cast<unsigned short>(i.options.port));
  i.acceptor.open(ep.protocol());
  i.acceptor.set_option(asio::socket_base::reuse_address(true));
  i.acceptor.bind(ep);
  i.acceptor.listen(asio::socket_base::max_listen_connections);
  i.bound_port = i.acceptor.local_endpoint().port();
  asio::co_spawn(i.io, i.listen(), asio::detached);
  for (int t = 0; t < i.options.io_threads; ++t)
    i.threads.push_back(core::named_thread("regent-http", [&i] { i.io.run(); }));
}

int HttpServer::port() const { return impl_->bound_port; }

void HttpServer::shutdown(std::chrono::milliseconds grace) {
  auto& i = *impl_;
  if (i.threads.empty()) return;
  i.stopping = true;
  asio::post(i.io, [&i] {
    boost::system::error_code ignored;
    i.acceptor.close(ignored);
  });
  {
    // A request in flight is a fiber that only its answer resumes, and every command is answered
    // (the processor's waits are bounded): stopping the I/O threads before would strand it.
    std::unique_lock lock(i.in_flight_mu);
    if (!i.idle.wait_for(lock, grace, [&i] { return i.in_flight == 0; })) {
      logger.warn("stopping: still waiting for requests in flight", {{"requests", i.in_flight}});
      i.idle.wait(lock, [&i] { return i.in_flight == 0; });
    }
  }
  i.io.stop();
  for (auto& t : i.threads)
    if (t.joinable()) t.join();
  i.threads.clear();
  i.handlers.join();
}

}  // namespace regent::api
