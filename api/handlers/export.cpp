// GET /v1/users/{id}/export: everything Regent stores about a user, as one JSON document streamed
// a page at a time (api/http.hpp), so that its size does not matter: the profile with its roles,
// its wallet and every transaction, its activities, its permissions, its sign-ins and the audit
// entries where it acts or is the user an event is about. Personal fields read as the read models
// show them (null once erased).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <memory>

#include "api/audit_queries.hpp"
#include "api/handlers/handlers.hpp"
#include "api/permission_queries.hpp"
#include "api/problem.hpp"
#include "api/support.hpp"
#include "api/wallet_queries.hpp"
#include "commands/processor.hpp"
#include "core/json.hpp"

namespace regent::api::handlers {
namespace {
constexpr int kPage = 500;

// The document after its head: one list after another, each read a page at a time.
class UserExport {
 public:
  UserExport(const Services& svc, core::TenantId tenant, std::string user, std::string head)
      : svc_(svc), tenant_(std::move(tenant)), user_(std::move(user)), head_(std::move(head)) {}

  std::optional<std::string> next() {
    switch (stage_) {
      case Stage::head:
        stage_ = Stage::permissions;
        return head_ + ",\"permissions\":[";
      case Stage::permissions: {
        PermissionFilter f;
        f.user_id = user_;
        f.before_id = key_;
        f.limit = kPage;
        return list(api::list_permissions(svc_.queries, tenant_, f), Stage::transactions, "],\"transactions\":[");
      }
      case Stage::transactions:
        return list(api::list_transactions(svc_.queries, tenant_, user_, key_.empty() ? 0 : std::stoll(key_), kPage),
                    Stage::activities, "],\"activities\":[");
      case Stage::activities: {
        ActivityFilter f;
        f.user_id = user_;
        f.before_id = key_;
        f.limit = kPage;
        return list(api::list_activities(svc_.queries, tenant_, f), Stage::audit, "],\"audit_entries\":[");
      }
      case Stage::audit:
        return list(api::list_user_audit(svc_.queries, tenant_, user_, key_, kPage), Stage::done, "]}");
      case Stage::done:
        return std::nullopt;
    }
    return std::nullopt;
  }

 private:
  enum class Stage { head, permissions, transactions, activities, audit, done };

  // A page of the current list; past its last page, what closes it and opens the next.
  std::string list(const Page& page, Stage after, std::string_view close) {
    std::string out;
    for (const auto& item : page.items) {
      if (!first_) out += ',';
      first_ = false;
      out += item;
    }
    key_ = page.next_key;
    if (key_.empty()) {
      out += close;
      stage_ = after;
      first_ = true;
    }
    return out;
  }

  const Services& svc_;
  core::TenantId tenant_;
  std::string user_;
  std::string head_;
  Stage stage_ = Stage::head;
  std::string key_;  // the keyset position within the current list
  bool first_ = true;
};

// The user's sign-ins, as the write side keeps them (the read models hold none).
boost::json::array sessions_of(const Services& svc, const core::TenantId& tenant, const core::UserId& user) {
  boost::json::array out;
  svc.processor.read(svc.processor.partition_of(tenant), [&](const commands::PartitionState& s) {
    const auto* t = s.tenant(tenant);
    const auto* u = t ? t->user(user) : nullptr;
    if (!u) return;
    for (const auto& id : u->sessions) {
      const auto* session = t->session(id);
      if (!session) continue;
      out.push_back(boost::json::object{{"id", session->id},
                                        {"refresh_expires_at", core::format_rfc3339(session->expires_at)},
                                        {"revoked", session->revoked.empty() ? boost::json::value(nullptr)
                                                                             : boost::json::value(session->revoked)}});
    }
  });
  return out;
}
}  // namespace

Response export_user(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  const std::string& id = ctx.params["id"];
  bool self = !p->user_id.value.empty() && p->user_id.value == id;
  if (!self && !p->may(commands::Action::administer))
    return forbidden(ctx, "exporting another user's data needs the admin role or the admin scope");
  if (auto wait = await_position(ctx, {"users", "wallets", "activities", "permissions", "audit"})) return *wait;
  auto user = find_user(ctx.svc.queries, p->tenant, id);
  if (!user) return problem(core::errc::not_found, "no such user", ctx.rid());
  auto wallet = find_wallet(ctx.svc.queries, p->tenant, id);
  std::string head = "{\"exported_at\":\"" + core::format_rfc3339(core::now_millis()) + "\",\"user\":" + *user +
                     ",\"wallet\":" + wallet.value_or("null") +
                     ",\"sessions\":" + core::to_json(sessions_of(ctx.svc, p->tenant, core::UserId{id}));
  auto doc = std::make_shared<UserExport>(ctx.svc, p->tenant, id, std::move(head));
  Response r;
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"user-" + id + ".json\"");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.stream = [doc] { return doc->next(); };
  return r;
}

}  // namespace regent::api::handlers
