// GET /v1/audit, /v1/audit/export and /v1/audit/stats: the audit trail, newest first, by actor,
// action (exact, or `prefix.*`), resource and time, as JSON pages or one streamed CSV, and counted
// by action, actor and day; admins and analysts, API keys with audit:read.
#include <algorithm>
#include <array>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>

#include "api/audit_queries.hpp"
#include "api/csv.hpp"
#include "api/handlers/handlers.hpp"
#include "api/problem.hpp"
#include "api/query_params.hpp"
#include "api/support.hpp"
#include "core/json.hpp"
#include "events/event_types.hpp"

namespace regent::api::handlers {
namespace {

bool is_word(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c == '_' || (c >= 'a' && c <= 'z'); });
}

// An event type: two words and a dot (user.created).
bool is_action(std::string_view a) {
  auto dot = a.find('.');
  return dot != std::string_view::npos && is_word(a.substr(0, dot)) && is_word(a.substr(dot + 1));
}

// The filters of the listing and of the export (which takes `format` instead of pages), or 422
// naming each bad one.
core::Result<AuditFilter> audit_filter(const Request& req, bool paged) {
  QueryParams q(req);
  AuditFilter f;
  if (paged) {
    f.limit = q.limit();
    f.before_id = q.cursor('e', core::is_uuid).value_or("");
  } else {
    q.one_of("format", {"csv"});
  }
  f.actor_id = q.text("actor_id", 64).value_or("");
  if (auto action = q.text("action", 100)) {
    if (action->ends_with(".*") && is_word(std::string_view(*action).substr(0, action->size() - 2)))
      f.action_group = action->substr(0, action->size() - 2);
    else if (is_action(*action))
      f.action = *action;
    else
      q.fail("action", "must be an event type (user.created) or a prefix of one (user.*)");
  }
  f.resource_type = q.text("resource_type", 64).value_or("");
  f.resource_id = q.text("resource_id", 200).value_or("");
  f.from = q.time("from");
  f.to = q.time("to");
  if (!f.resource_id.empty() && f.resource_type.empty()) q.fail("resource_type", "is required with resource_id");
  if (auto done = q.finish(); !done) return done.error();
  return f;
}

constexpr std::array<std::string_view, 13> kColumns = {"id",         "position", "time",          "tenant_id",
                                                       "actor_id",   "actor_type", "action",      "resource_type",
                                                       "resource_id", "request_id", "ip",         "user_agent",
                                                       "details"};

// The export: the listing's entries in the listing's order, a page of the index at a time, each
// entry a CSV row, so that any number of entries takes the memory of one page.
class AuditCsv {
 public:
  AuditCsv(const Services& svc, core::TenantId tenant, AuditFilter f) : svc_(svc), tenant_(std::move(tenant)), f_(std::move(f)) {
    f_.limit = kPage;
  }
  std::optional<std::string> next() {
    if (done_) return std::nullopt;
    std::string out;
    if (!header_sent_) {
      header_sent_ = true;
      std::vector<std::optional<std::string>> names(kColumns.begin(), kColumns.end());
      out = csv_row(names);
    }
    auto page = api::list_audit(svc_.queries, tenant_, f_);
    for (const auto& item : page.items) out += row(item);
    f_.before_id = page.next_key;
    done_ = page.next_key.empty();
    return out;
  }

 private:
  static constexpr int kPage = 1000;
  static std::string row(const std::string& json) {
    auto doc = core::JsonDocument::parse(json);
    std::vector<std::optional<std::string>> cells;
    for (auto column : kColumns) {
      simdjson::dom::element v;
      if (!doc || doc->root()[column].get(v) != simdjson::SUCCESS || v.is_null()) cells.emplace_back();
      else if (v.is_string()) cells.emplace_back(std::string(std::string_view(v)));
      else cells.emplace_back(simdjson::minify(v));
    }
    return csv_row(cells);
  }
  const Services& svc_;
  core::TenantId tenant_;
  AuditFilter f_;
  bool header_sent_ = false;
  bool done_ = false;
};

// Who may read the trail: admins and analysts, API keys with audit:read.
core::Result<Principal> audit_reader(Ctx& ctx, std::string_view doing) {
  auto p = authenticate(ctx);
  if (!p) return p.error();
  if (!p->may(commands::Action::read_audit))
    return core::make_error(core::errc::forbidden,
                            std::string(doing) + " the audit trail needs the admin or analyst role, or the audit:read scope");
  return p;
}
}  // namespace

Response list_audit(Ctx& ctx) {
  auto p = audit_reader(ctx, "reading");
  if (!p) return problem(p.error(), ctx.rid());
  auto f = audit_filter(ctx.req, true);
  if (!f) return problem(f.error(), ctx.rid());
  if (auto wait = await_position(ctx, {"audit"})) return *wait;
  auto page = api::list_audit(ctx.svc.queries, p->tenant, *f);
  return json_response(200, page_json(page.items, 'e', page.next_key));
}

Response export_audit(Ctx& ctx) {
  auto p = audit_reader(ctx, "exporting");
  if (!p) return problem(p.error(), ctx.rid());
  auto f = audit_filter(ctx.req, false);
  if (!f) return problem(f.error(), ctx.rid());
  if (auto wait = await_position(ctx, {"audit"})) return *wait;
  auto csv = std::make_shared<AuditCsv>(ctx.svc, p->tenant, std::move(*f));
  Response r;
  r.content_type = "text/csv; charset=utf-8; header=present";
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"audit.csv\"");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.stream = [csv] { return csv->next(); };
  return r;
}

Response audit_stats(Ctx& ctx) {
  auto p = audit_reader(ctx, "reading");
  if (!p) return problem(p.error(), ctx.rid());
  QueryParams q(ctx.req);
  auto from = q.time("from"), to = q.time("to");
  if (auto done = q.finish(); !done) return problem(done.error(), ctx.rid());
  if (auto wait = await_position(ctx, {"audit"})) return *wait;
  auto bound = [](const std::optional<core::UnixMillis>& t) {
    return t ? boost::json::value(core::format_rfc3339(*t)) : boost::json::value(nullptr);
  };
  // The range as asked (null: unbounded), then the counts (written by Postgres with spaces;
  // answers are compact).
  boost::json::object out{{"from", bound(from)}, {"to", bound(to)}};
  auto counts = boost::json::parse(api::audit_stats(ctx.svc.queries, p->tenant, from, to));
  for (auto& [k, v] : counts.as_object()) out[k] = std::move(v);
  return json_response(200, boost::json::serialize(out));
}

}  // namespace regent::api::handlers
