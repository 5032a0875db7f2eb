#include "api/handlers/handlers.hpp"
#include "api/router.hpp"

namespace regent::api {

std::vector<Route> all_routes() {
  namespace h = handlers;
  return {
      {"POST", "/v1/tenants", h::create_tenant},
      {"GET", "/v1/tenant", h::get_tenant},
      {"PATCH", "/v1/tenant", h::change_tenant, Runs::io},
      {"POST", "/v1/auth/login", h::login},
      {"POST", "/v1/auth/refresh", h::refresh, Runs::io},
      {"POST", "/v1/auth/logout", h::logout, Runs::io},
      {"GET", "/v1/me", h::me},
      {"POST", "/v1/users", h::create_user},
      {"GET", "/v1/users", h::list_users},
      {"GET", "/v1/users/{id}", h::get_user},
      {"POST", "/v1/users/{id}/deactivate", h::deactivate_user, Runs::io},
      {"POST", "/v1/users/{id}/reactivate", h::reactivate_user, Runs::io},
      {"GET", "/v1/users/{id}/wallet", h::get_wallet},
      {"GET", "/v1/users/{id}/wallet/transactions", h::list_transactions},
      {"POST", "/v1/users/{id}/wallet/credits", h::credit_wallet, Runs::io},
      {"POST", "/v1/users/{id}/wallet/debits", h::debit_wallet, Runs::io},
      {"POST", "/v1/activities", h::record_activity, Runs::io},
      {"GET", "/v1/activities", h::list_activities},
      {"GET", "/v1/dashboard/summary", h::dashboard_summary},
      {"GET", "/v1/dashboard/revenue", h::dashboard_revenue},
      {"GET", "/v1/admin/dashboard", h::admin_dashboard},
      {"GET", "/healthz", h::healthz, Runs::io},
      {"GET", "/readyz", h::readyz},
      {"GET", "/metrics", h::metrics, Runs::io},
      {"GET", "/openapi.json", h::openapi, Runs::io},
      {"GET", "/docs", h::docs, Runs::io},
  };
}

}  // namespace regent::api
