#pragma once
// One handler per route; each parses, calls the command side or a query, and maps the result.
#include "api/router.hpp"

namespace regent::api::handlers {

Response create_tenant(Ctx& ctx);  // POST /v1/tenants
Response get_tenant(Ctx& ctx);     // GET /v1/tenant
Response login(Ctx& ctx);          // POST /v1/auth/login
Response create_user(Ctx& ctx);    // POST /v1/users
Response get_user(Ctx& ctx);       // GET /v1/users/{id}
Response list_users(Ctx& ctx);     // GET /v1/users
Response me(Ctx& ctx);             // GET /v1/me
Response healthz(Ctx& ctx);        // GET /healthz
Response readyz(Ctx& ctx);         // GET /readyz
Response metrics(Ctx& ctx);        // GET /metrics
Response openapi(Ctx& ctx);        // GET /openapi.json
Response docs(Ctx& ctx);           // GET /docs

}  // namespace regent::api::handlers
