// Permission request bodies: POST /v1/permissions and the approve, reject and revoke actions.
#include "commands/fields.hpp"
#include "commands/permissions.hpp"
#include "commands/validation.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"

namespace regent::commands {
namespace {
using namespace detail;

// An RFC 3339 time; 0 when absent.
int64_t time_field(Fields& f, std::string_view key) {
  if (!f.get(key, false)) return 0;
  std::string at = f.text(key, true, 1, 64);
  auto ms = core::parse_rfc3339(at);
  if (!at.empty() && !ms) f.fail(key, "must be an RFC 3339 time such as 2027-01-01T00:00:00.000Z");
  return ms.value_or(0);
}
}  // namespace

core::Result<PermissionRequestInput> parse_permission_request(simdjson::dom::element body) {
  std::vector<core::FieldError> errors;
  PermissionRequestInput in;
  Fields f(body, errors);
  in.resource = f.text("resource", true, 3, 500);
  if (!in.resource.empty() && !valid_resource(in.resource))
    f.fail("resource", "must match ^[a-z0-9]+:[A-Za-z0-9/_.-]+$, such as ga4:properties/123456");
  in.level = f.text("level", true, 1, 20);
  if (!in.level.empty() && !is_permission_level(in.level)) f.fail("level", "must be one of viewer, analyst, editor, admin");
  in.reason = f.text("reason", true, 1, 1000);
  if (f.get("user_id", false)) {
    in.user_id = f.text("user_id", true, 36, 36);
    if (!in.user_id.empty() && !core::is_uuid(in.user_id)) f.fail("user_id", "must be a user's id");
  }
  in.expires_at = time_field(f, "expires_at");
  f.reject_unknown();
  if (!errors.empty()) return invalid(std::move(errors));
  return in;
}

core::Result<PermissionDecisionInput> parse_permission_decision(simdjson::dom::element body, std::string_view action) {
  std::vector<core::FieldError> errors;
  PermissionDecisionInput in;
  Fields f(body, errors);
  if (action == "approve") in.expires_at = time_field(f, "expires_at");
  if (action == "reject" || action == "revoke") in.reason = f.text("reason", action == "reject", 1, 1000);
  f.reject_unknown();
  if (!errors.empty()) return invalid(std::move(errors));
  return in;
}

}  // namespace regent::commands
