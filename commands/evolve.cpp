#include "commands/evolve.hpp"

#include "core/json.hpp"
#include "events/event_types.hpp"

namespace regent::commands {
namespace {
namespace types = events::types;
using simdjson::dom::element;

std::string str(element obj, std::string_view key) {
  return std::string(core::get_string(obj, key).value_or(""));
}

void tenant_created(PartitionState& s, const events::Envelope& e, element d) {
  TenantState t;
  t.id = core::TenantId{str(d, "tenant_id")};
  t.name = str(d, "name");
  t.slug = str(d, "slug");
  element settings;
  if (d["settings"].get(settings) == simdjson::SUCCESS) {
    t.settings.currency = str(settings, "currency");
    t.settings.max_users = core::get_int(settings, "max_users").value_or(t.settings.max_users);
    simdjson::dom::object costs;
    if (settings["activity_costs"].get(costs) == simdjson::SUCCESS) {
      t.settings.activity_costs.clear();
      for (auto kv : costs) t.settings.activity_costs[std::string(kv.key)] = int64_t(kv.value);
    }
  }
  t.version = e.sequence;
  s.tenant_by_slug[t.slug] = t.id;
  auto id = t.id;
  s.tenants[id] = std::move(t);
}

void user_created(PartitionState& s, const events::Envelope& e, element d) {
  auto it = s.tenants.find(core::TenantId{e.tenant_id});
  if (it == s.tenants.end()) return;
  UserState u;
  u.id = core::UserId{str(d, "user_id")};
  u.password_hash = str(d, "password_hash");
  std::string_view parent;
  if (d["parent_user_id"].get(parent) == simdjson::SUCCESS) u.parent_user_id = std::string(parent);
  for (auto r : simdjson::dom::array(d["roles"])) u.roles.emplace_back(std::string_view(r));
  element personal;
  if (d["personal"].get(personal) == simdjson::SUCCESS) {
    u.email = str(personal, "email");
    u.full_name = str(personal, "full_name");
  }
  u.version = e.sequence;
  it->second.user_by_email[lower(u.email)] = u.id;
  auto id = u.id;
  it->second.users[id] = std::move(u);
}
}  // namespace

void evolve(PartitionState& s, const events::Envelope& e) {
  if (e.type != types::tenant_created && e.type != types::user_created) return;
  auto doc = core::JsonDocument::parse(e.data);
  if (!doc) return;
  if (e.type == types::tenant_created) tenant_created(s, e, doc->root());
  else user_created(s, e, doc->root());
}

}  // namespace regent::commands
