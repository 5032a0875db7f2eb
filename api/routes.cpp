#include "api/handlers/handlers.hpp"
#include "api/router.hpp"

namespace regent::api {

std::vector<Route> all_routes() {
  namespace h = handlers;
  return {
      {"POST", "/v1/tenants", h::create_tenant},
      {"GET", "/v1/tenant", h::get_tenant, Runs::io},
      {"PATCH", "/v1/tenant", h::change_tenant, Runs::io},
      {"POST", "/v1/auth/login", h::login},
      {"POST", "/v1/auth/refresh", h::refresh, Runs::io},
      {"POST", "/v1/auth/logout", h::logout, Runs::io},
      {"GET", "/v1/me", h::me, Runs::io},
      {"POST", "/v1/users", h::create_user},
      {"GET", "/v1/users", h::list_users, Runs::io},
      {"GET", "/v1/users/{id}", h::get_user, Runs::io},
      {"PATCH", "/v1/users/{id}", h::update_user, Runs::io},
      {"PUT", "/v1/users/{id}/roles/{role}", h::assign_role, Runs::io},
      {"DELETE", "/v1/users/{id}/roles/{role}", h::revoke_role, Runs::io},
      {"POST", "/v1/users/{id}/deactivate", h::deactivate_user, Runs::io},
      {"POST", "/v1/users/{id}/erase", h::erase_user, Runs::io},
      {"GET", "/v1/users/{id}/export", h::export_user},
      {"GET", "/v1/audit", h::list_audit, Runs::io},
      {"GET", "/v1/audit/export", h::export_audit},
      {"GET", "/v1/audit/stats", h::audit_stats, Runs::io},
      {"POST", "/v1/users/{id}/reactivate", h::reactivate_user, Runs::io},
      {"POST", "/v1/invitations", h::create_invitation, Runs::io},
      {"POST", "/v1/invitations/accept", h::accept_invitation},
      {"DELETE", "/v1/invitations/{id}", h::revoke_invitation, Runs::io},
      {"POST", "/v1/api-keys", h::create_api_key, Runs::io},
      {"GET", "/v1/api-keys", h::list_api_keys, Runs::io},
      {"DELETE", "/v1/api-keys/{id}", h::revoke_api_key, Runs::io},
      {"GET", "/v1/users/{id}/wallet", h::get_wallet, Runs::io},
      {"GET", "/v1/users/{id}/wallet/transactions", h::list_transactions, Runs::io},
      {"POST", "/v1/users/{id}/wallet/credits", h::credit_wallet, Runs::io},
      {"POST", "/v1/users/{id}/wallet/debits", h::debit_wallet, Runs::io},
      {"POST", "/v1/activities", h::record_activity, Runs::io},
      {"GET", "/v1/activities", h::list_activities, Runs::io},
      {"POST", "/v1/permissions", h::request_permission, Runs::io},
      {"GET", "/v1/permissions", h::list_permissions, Runs::io},
      {"GET", "/v1/permissions/{id}", h::get_permission, Runs::io},
      {"POST", "/v1/permissions/{id}/approve", h::approve_permission, Runs::io},
      {"POST", "/v1/permissions/{id}/reject", h::reject_permission, Runs::io},
      {"POST", "/v1/permissions/{id}/revoke", h::revoke_permission, Runs::io},
      {"POST", "/v1/permissions/{id}/expire", h::expire_permission, Runs::io},
      {"GET", "/v1/dashboard/summary", h::dashboard_summary, Runs::io},
      {"GET", "/v1/dashboard/revenue", h::dashboard_revenue, Runs::io},
      {"GET", "/v1/admin/dashboard", h::admin_dashboard, Runs::io},
      {"GET", "/healthz", h::healthz, Runs::io},
      {"GET", "/readyz", h::readyz},
      {"GET", "/metrics", h::metrics, Runs::io},
      {"GET", "/openapi.json", h::openapi, Runs::io},
      {"GET", "/docs", h::docs, Runs::io},
      {"GET", "/redoc", h::redoc, Runs::io},
      {"GET", "/docs/{file}", h::docs_asset, Runs::io},
  };
}

}  // namespace regent::api
