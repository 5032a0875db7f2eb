#pragma once
// One handler per route; each parses, calls the command side or a query, and maps the result.
#include "api/router.hpp"

namespace regent::api::handlers {

Response create_tenant(Ctx& ctx);  // POST /v1/tenants
Response get_tenant(Ctx& ctx);     // GET /v1/tenant
Response change_tenant(Ctx& ctx);  // PATCH /v1/tenant
Response login(Ctx& ctx);          // POST /v1/auth/login
Response refresh(Ctx& ctx);        // POST /v1/auth/refresh
Response logout(Ctx& ctx);         // POST /v1/auth/logout
Response deactivate_user(Ctx& ctx);  // POST /v1/users/{id}/deactivate
Response erase_user(Ctx& ctx);       // POST /v1/users/{id}/erase
Response export_user(Ctx& ctx);      // GET /v1/users/{id}/export
Response list_audit(Ctx& ctx);       // GET /v1/audit
Response export_audit(Ctx& ctx);     // GET /v1/audit/export
Response audit_stats(Ctx& ctx);      // GET /v1/audit/stats
Response reactivate_user(Ctx& ctx);  // POST /v1/users/{id}/reactivate
Response update_user(Ctx& ctx);      // PATCH /v1/users/{id}
Response assign_role(Ctx& ctx);      // PUT /v1/users/{id}/roles/{role}
Response revoke_role(Ctx& ctx);      // DELETE /v1/users/{id}/roles/{role}
Response create_invitation(Ctx& ctx);  // POST /v1/invitations
Response accept_invitation(Ctx& ctx);  // POST /v1/invitations/accept
Response revoke_invitation(Ctx& ctx);  // DELETE /v1/invitations/{id}
Response create_api_key(Ctx& ctx);   // POST /v1/api-keys
Response list_api_keys(Ctx& ctx);    // GET /v1/api-keys
Response revoke_api_key(Ctx& ctx);   // DELETE /v1/api-keys/{id}
Response create_user(Ctx& ctx);    // POST /v1/users
Response get_user(Ctx& ctx);       // GET /v1/users/{id}
Response list_users(Ctx& ctx);     // GET /v1/users
Response me(Ctx& ctx);             // GET /v1/me
Response get_wallet(Ctx& ctx);         // GET /v1/users/{id}/wallet
Response list_transactions(Ctx& ctx);  // GET /v1/users/{id}/wallet/transactions
Response credit_wallet(Ctx& ctx);      // POST /v1/users/{id}/wallet/credits
Response debit_wallet(Ctx& ctx);       // POST /v1/users/{id}/wallet/debits
Response record_activity(Ctx& ctx);    // POST /v1/activities
Response list_activities(Ctx& ctx);    // GET /v1/activities
Response request_permission(Ctx& ctx);  // POST /v1/permissions
Response list_permissions(Ctx& ctx);    // GET /v1/permissions
Response get_permission(Ctx& ctx);      // GET /v1/permissions/{id}
Response approve_permission(Ctx& ctx);  // POST /v1/permissions/{id}/approve
Response reject_permission(Ctx& ctx);   // POST /v1/permissions/{id}/reject
Response revoke_permission(Ctx& ctx);   // POST /v1/permissions/{id}/revoke
Response expire_permission(Ctx& ctx);   // POST /v1/permissions/{id}/expire (the scheduler)
Response dashboard_summary(Ctx& ctx);  // GET /v1/dashboard/summary
Response dashboard_revenue(Ctx& ctx);  // GET /v1/dashboard/revenue
Response admin_dashboard(Ctx& ctx);    // GET /v1/admin/dashboard
Response healthz(Ctx& ctx);        // GET /healthz
Response readyz(Ctx& ctx);         // GET /readyz
Response metrics(Ctx& ctx);        // GET /metrics
Response openapi(Ctx& ctx);        // GET /openapi.json
Response docs(Ctx& ctx);           // GET /docs
Response redoc(Ctx& ctx);          // GET /redoc
Response docs_asset(Ctx& ctx);     // GET /docs/{file}

}  // namespace regent::api::handlers
