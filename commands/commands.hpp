#pragma once
// Commands: what a caller asks for, already validated for shape, with every id and time chosen
// before `decide` so that deciding stays a pure function.
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace regent::commands {

// Who asks, and the request's traces; stamped onto every event the command produces.
struct Context {
  std::string actor_id;       // empty for anonymous sign-up
  std::string actor_type = "system";
  std::vector<std::string> actor_roles;
  std::string request_id;
  std::string idempotency_key;
  std::string ip;
  std::string user_agent;
  core::UnixMillis now = 0;
};

struct CreateTenant {
  core::TenantId tenant_id;
  core::UserId admin_id;
  std::string name;
  std::string slug;
  std::string admin_email;
  std::string admin_full_name;
  std::string admin_password_hash;
  std::vector<std::string> admin_roles = {"admin"};
};

struct CreateUser {
  core::TenantId tenant_id;
  core::UserId user_id;
  std::string email;
  std::string full_name;
  std::string password_hash;
  std::vector<std::string> roles;
  std::string parent_user_id;
};

struct RecordLogin {
  core::TenantId tenant_id;
  core::UserId user_id;
  std::string session_id;
};

}  // namespace regent::commands
