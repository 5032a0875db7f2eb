#pragma once
// Request bodies into command inputs: every field checked, every unknown field refused, and all
// problems reported together (422 with errors[]). Pure functions of the parsed JSON.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"

namespace regent::commands {

struct CreateTenantInput {
  std::string name;
  std::string slug;
  std::string admin_email;
  std::string admin_password;
  std::string admin_full_name;
};

struct CreateUserInput {
  std::string email;
  std::string full_name;
  std::string password;
  std::vector<std::string> roles;
  std::string parent_user_id;
};

struct LoginInput {
  std::string tenant;
  std::string email;
  std::string password;
};

struct WalletMovementInput {
  int64_t amount = 0;
  std::string reference;
  std::string description;
};

struct RecordActivityInput {
  std::string type;
  std::string user_id;  // empty: the caller
};

struct ChangeTenantInput {
  std::optional<std::string> name;
  std::optional<std::string> currency;
  std::map<std::string, int64_t> activity_costs;
  std::optional<int64_t> max_users;
};

struct UpdateUserInput {
  std::optional<std::string> email;
  std::optional<std::string> full_name;
};

struct InvitationInput {
  std::string email;
  std::vector<std::string> roles;
};

struct AcceptInvitationInput {
  std::string token;
  std::string password;
  std::string full_name;
};

struct ApiKeyInput {
  std::string name;
  std::vector<std::string> scopes;
  int64_t expires_at = 0;  // ms; 0: never
};

struct PermissionRequestInput {
  std::string resource;
  std::string level;
  std::string reason;
  std::string user_id;     // empty: the caller
  int64_t expires_at = 0;  // ms; 0: none asked for
};

struct PermissionDecisionInput {
  int64_t expires_at = 0;  // approve
  std::string reason;      // reject (required), revoke
};

core::Result<PermissionRequestInput> parse_permission_request(simdjson::dom::element body);
// The body of /approve, /reject or /revoke (`action`); an empty body reads as {}.
core::Result<PermissionDecisionInput> parse_permission_decision(simdjson::dom::element body, std::string_view action);
core::Result<UpdateUserInput> parse_update_user(simdjson::dom::element body);
core::Result<InvitationInput> parse_invitation(simdjson::dom::element body);
core::Result<AcceptInvitationInput> parse_accept_invitation(simdjson::dom::element body);
core::Result<ApiKeyInput> parse_api_key(simdjson::dom::element body);
core::Result<CreateTenantInput> parse_create_tenant(simdjson::dom::element body);
core::Result<CreateUserInput> parse_create_user(simdjson::dom::element body);
core::Result<LoginInput> parse_login(simdjson::dom::element body);
struct RefreshInput {
  std::string refresh_token;
};
core::Result<RefreshInput> parse_refresh(simdjson::dom::element body);  // refresh and logout
core::Result<WalletMovementInput> parse_wallet_movement(simdjson::dom::element body);
core::Result<RecordActivityInput> parse_record_activity(simdjson::dom::element body);
core::Result<ChangeTenantInput> parse_change_tenant(simdjson::dom::element body);

bool valid_email(std::string_view email);
bool valid_slug(std::string_view slug);
bool is_tenant_role(std::string_view role);  // the roles a tenant may grant (not super_admin)

}  // namespace regent::commands
