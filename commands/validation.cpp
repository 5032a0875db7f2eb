#include "commands/validation.hpp"

#include "commands/fields.hpp"

#include <cmath>
#include <set>

#include "commands/money.hpp"
#include "commands/policy.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"

namespace regent::commands {
namespace {
using simdjson::dom::element;
using simdjson::dom::element_type;
using namespace detail;

std::string email(Fields& f, std::string_view key) {
  std::string e = f.text(key, true, 3, 254);
  if (!e.empty() && !valid_email(e)) f.fail(key, "must be an email address");
  return e;
}

std::string password(Fields& f, std::string_view key) { return f.text(key, true, 12, 128); }

// A list of distinct names, each one `valid` allows; `what` says what they are in a refusal.
std::vector<std::string> name_list(Fields& f, std::string_view key, bool (*valid)(std::string_view),
                                   std::string_view what, bool required) {
  std::vector<std::string> out;
  auto list = f.get(key, required);
  if (!list) return out;
  if (list->type() != element_type::ARRAY) {
    f.fail(key, "must be an array of " + std::string(what));
    return out;
  }
  std::set<std::string> seen;
  for (auto v : simdjson::dom::array(*list)) {
    std::string_view name;
    if (v.get(name) != simdjson::SUCCESS || !valid(name)) {
      f.fail(key, "each must be one of " + std::string(what));
      return {};
    }
    if (seen.insert(std::string(name)).second) out.emplace_back(name);
  }
  if (out.empty()) f.fail(key, "must name at least one");
  return out;
}

// Roles a tenant grants: viewer when absent.
std::vector<std::string> roles(Fields& f, std::string_view key) {
  if (!f.get(key, false)) return {"viewer"};
  return name_list(f, key, is_tenant_role, "admin, manager, analyst, viewer", true);
}

bool is_activity_type(std::string_view t) { return t == "report_generation" || t == "form_download"; }
}  // namespace

bool valid_email(std::string_view e) {
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= e.size()) return false;
  if (e.find('@', at + 1) != std::string_view::npos) return false;
  auto domain = e.substr(at + 1);
  if (domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.')
    return false;
  for (unsigned char c : e)
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';') return false;
  return true;
}

bool valid_slug(std::string_view s) {
  if (s.size() < 2 || s.size() > 63) return false;
  auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!ok(s[0])) return false;
  for (char c : s.substr(1))
    if (!ok(c) && c != '-') return false;
  return true;
}

bool is_tenant_role(std::string_view r) {
  return r == "admin" || r == "manager" || r == "analyst" || r == "viewer";
}

core::Result<CreateTenantInput> parse_create_tenant(element body) {
  std::vector<core::FieldError> errors;
  CreateTenantInput in;
  Fields f(body, errors);
  in.name = f.text("name", true, 1, 200);
  in.slug = f.text("slug", true, 1, 63);
  if (!in.slug.empty() && !valid_slug(in.slug)) f.fail("slug", "must match ^[a-z0-9][a-z0-9-]{1,62}$");
  if (auto admin = f.get("admin", true)) {
    if (admin->type() != element_type::OBJECT) {
      f.fail("admin", "must be an object");
    } else {
      Fields a(*admin, errors, "admin.");
      in.admin_email = email(a, "email");
      in.admin_password = password(a, "password");
      in.admin_full_name = a.text("full_name", true, 1, 200);
      a.reject_unknown();
    }
  }
  f.reject_unknown();
  if (!errors.empty()) return invalid(std::move(errors));
  return in;
}

core::Result<CreateUserInput> parse_create_user(element body) {
  std::vector<core::FieldError> errors;
  CreateUserInput in;
  Fields f(body, errors);
  in.email = email(f, "email");
  in.full_name = f.text("full_name", true, 1, 200);
  in.password = password(f, "password");
  in.roles = roles(f, "roles");
  in.parent_user_id = f.text("parent_user_id", false, 1, 64);
  if (!in.parent_user_id.empty() && !core::is_uuid(in.parent_user_id))
    f.fail("parent_user_id", "must be a user id");
  f.reject_unknown();
  if (!errors.empty()) return invalid(std::move(errors));
  return in;
}

core::Result<RefreshInput> parse_refresh(element body) {
  std::vector<core::FieldError> errors;
  RefreshInput in;
  Fields f(body, errors);
  in.refresh_token = f.text("refresh_token", true, 1, 512);
  f.reject_unknown();
  if (!errors.empty()) return invalid(std::move(errors));
  return in;
}

core::Result<LoginInput> parse_login(element body) {
  std::vector<core::FieldError> errors;
  LoginInput in;
  Fields f(body, errors);
  in.tenant = f.text("tenant", true, 1, 63);
  in.email = f.text("email", true, 1, 254);
  in.password = f.text("password", true, 1, 1024);
  f.reject_unknown();
  if (!errors.empty()) return invalid(std::move(errors));
  return in;
}

core::Result<WalletMovementInput> parse_wallet_movement(element body) {
  std::vector<core::FieldError> errors;
  WalletMovementInput in;
  Fields f(body, errors);
  in.amount = f.integer("amount", true, 1, kMaxAmount, "must be > 0").value_or(0);
  in.reference = f.text("reference", false, 1, 255);
  in.description = f.text("description", false, 1, 1000);
  f.reject_unknown();
  if (!errors.empty()) return invalid(std::move(errors));
  return in;
}

core::Result<RecordActivityInput> parse_record_activity(element body) {
  std::vector<core::FieldError> errors;
  RecordActivityInput in;
  Fields f(body, errors);
  in.type = f.text("type", true, 1, 64);
  if (!in.type.empty() && !is_activity_type(in.type)) f.fail("type", "must be one of report_generation, form_download");
  in.user_id = f.text("user_id", false, 1, 64);
  if (!in.user_id.empty() && !core::is_uuid(in.user_id)) f.fail("user_id", "must be a user id");
  f.reject_unknown();
  if (!errors.empty()) return invalid(std::move(errors));
  return in;
}

core::Result<ChangeTenantInput> parse_change_tenant(element body) {
  std::vector<core::FieldError> errors;
  ChangeTenantInput in;
  Fields f(body, errors);
  if (f.get("name", false)) in.name = f.text("name", true, 1, 200);
  if (auto settings = f.get("settings", false)) {
    if (settings->type() != element_type::OBJECT) {
      f.fail("settings", "must be an object");
    } else {
      Fields s(*settings, errors, "settings.");
      if (s.get("currency", false)) {
        in.currency = s.text("currency", true, 3, 3);
        if (in.currency->size() == 3 && !is_currency(*in.currency))
          s.fail("currency", "must be an ISO 4217 currency code such as USD");
      }
      if (auto costs = s.get("activity_costs", false)) {
        if (costs->type() != element_type::OBJECT) {
          s.fail("activity_costs", "must be an object of activity type to cost");
        } else {
          Fields c(*costs, errors, "settings.activity_costs.");
          for (std::string_view type : {"report_generation", "form_download"})
            if (auto cost = c.integer(type, false, 0, kMaxAmount, "must be >= 0")) in.activity_costs[std::string(type)] = *cost;
          c.reject_unknown();
        }
      }
      in.max_users = s.integer("max_users", false, 1, 10'000'000, "must be >= 1");
      s.reject_unknown();
    }
  }
  f.reject_unknown();
  if (!errors.empty()) return invalid(std::move(errors));
  return in;
}

core::Result<UpdateUserInput> parse_update_user(element body) {
  std::vector<core::FieldError> errors;
  UpdateUserInput in;
  Fields f(body, errors);
  if (f.get("email", false)) in.email = email(f, "email");
  if (f.get("full_name", false)) in.full_name = f.text("full_name", true, 1, 200);
  f.reject_unknown();
  if (!errors.empty()) return invalid(std::move(errors));
  return in;
}

core::Result<InvitationInput> parse_invitation(element body) {
  std::vector<core::FieldError> errors;
  InvitationInput in;
  Fields f(body, errors);
  in.email = email(f, "email");
  in.roles = roles(f, "roles");
  f.reject_unknown();
  if (!errors.empty()) return invalid(std::move(errors));
  return in;
}

core::Result<AcceptInvitationInput> parse_accept_invitation(element body) {
  std::vector<core::FieldError> errors;
  AcceptInvitationInput in;
  Fields f(body, errors);
  in.token = f.text("token", true, 1, 512);
  in.password = password(f, "password");
  in.full_name = f.text("full_name", true, 1, 200);
  f.reject_unknown();
  if (!errors.empty()) return invalid(std::move(errors));
  return in;
}

core::Result<ApiKeyInput> parse_api_key(element body) {
  std::vector<core::FieldError> errors;
  ApiKeyInput in;
  Fields f(body, errors);
  in.name = f.text("name", true, 1, 200);
  std::string scopes;
  for (auto scope : all_scopes()) scopes += (scopes.empty() ? "" : ", ") + std::string(scope);
  in.scopes = name_list(f, "scopes", is_scope, scopes, true);
  if (f.get("expires_at", false)) {
    std::string at = f.text("expires_at", true, 1, 64);
    auto ms = core::parse_rfc3339(at);
    if (!at.empty() && !ms) f.fail("expires_at", "must be an RFC 3339 time such as 2027-01-01T00:00:00.000Z");
    in.expires_at = ms.value_or(0);
  }
  f.reject_unknown();
  if (!errors.empty()) return invalid(std::move(errors));
  return in;
}

}  // namespace regent::commands
