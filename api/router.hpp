#pragma once
// Routing is a table: method and path pattern ("/v1/users/{id}") to a handler. The router also
// records each request's metrics and its log line.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/http.hpp"
#include "api/services.hpp"

namespace regent::api {

struct Ctx {
  Request& req;
  Services& svc;
  std::map<std::string, std::string> params;  // from {name} segments
  std::string tenant_id;                      // for the log line, once known
  std::string actor_id;
  const std::string& rid() const { return req.request_id; }
};

using RouteHandler = std::function<Response(Ctx&)>;

// Where a route's handler runs. On the I/O thread (`io`) only handlers that never block: they
// check, decide through the command processor or query through core::PgQueries (whose waits
// suspend the connection's fiber) and answer. Anything that hashes a password, leases a Postgres
// connection or forwards a request runs on the handler pool.
enum class Runs { pool, io };

struct Route {
  std::string method;
  std::string pattern;
  RouteHandler handler;
  Runs runs = Runs::pool;
};

class Router {
 public:
  explicit Router(std::vector<Route> routes);
  Response dispatch(Request& req, Services& svc) const;

  // A pattern's segment, split once: literal text, or a {param} that matches any non-empty text.
  struct Segment {
    std::string text;
    std::string param;
  };

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<Segment>> segments_;  // of each route's pattern
};

// Every route Regent serves.
std::vector<Route> all_routes();

}  // namespace regent::api
