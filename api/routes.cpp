#include "api/handlers/handlers.hpp"
#include "api/router.hpp"

namespace regent::api {

std::vector<Route> all_routes() {
  namespace h = handlers;
  return {
      {"POST", "/v1/tenants", h::create_tenant},
      {"GET", "/v1/tenant", h::get_tenant},
      {"POST", "/v1/auth/login", h::login},
      {"GET", "/v1/me", h::me},
      {"POST", "/v1/users", h::create_user},
      {"GET", "/v1/users", h::list_users},
      {"GET", "/v1/users/{id}", h::get_user},
      {"GET", "/healthz", h::healthz},
      {"GET", "/readyz", h::readyz},
      {"GET", "/metrics", h::metrics},
      {"GET", "/openapi.json", h::openapi},
      {"GET", "/docs", h::docs},
  };
}

}  // namespace regent::api
