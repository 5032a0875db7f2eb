// The audit trail over HTTP: one entry per valid event of the tenant's log, of every type, with no
// secret in it; every filter, keyset pages that neither skip nor repeat, who may read it, bad
// filters refused, and personal fields null once their user is erased.
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "api/audit_queries.hpp"
#include "core/clock.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {

// Every entry a filter gives, walking its pages of `limit`.
std::vector<std::string> walk(Tenant& t, const std::string& query, int limit, const std::string& token = "") {
  std::vector<std::string> ids;
  std::string cursor;
  for (int pages = 0; pages < 1000; ++pages) {
    auto r = t.read("/v1/audit?limit=" + std::to_string(limit) + (query.empty() ? "" : "&" + query) +
                        (cursor.empty() ? "" : "&cursor=" + cursor),
                    token);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    auto doc = r.json();
    for (auto item : simdjson::dom::array(doc->root()["items"])) ids.push_back(regent::core::get_text(item, "id"));
    simdjson::dom::element next = doc->root()["next_cursor"];
    if (next.is_null()) break;
    cursor = std::string(std::string_view(next));
  }
  return ids;
}

}  // namespace

TEST_CASE("the audit trail: one entry per event of the tenant's log, filtered, paged, without secrets") {
  DevServer dev;
  int port = dev.port();
  Tenant t(port, "audited");
  std::string bob = t.add_user("bob", R"(["analyst"])"), vic = t.add_user("vic");
  std::string bob_token = t.token_of("bob"), vic_token = t.token_of("vic");
  REQUIRE(t.credit(vic, "900").status == 201);
  REQUIRE(t.track(t.activity("report_generation", vic_token)).status == 201);
  auto key = t.track(post(port, "/v1/api-keys", R"({"name":"auditor","scopes":["audit:read"]})", t.admin));
  REQUIRE(key.status == 201);
  auto asked = t.track(post(port, "/v1/permissions", R"({"resource":"ga4:properties/7","level":"viewer","reason":"audit me"})", vic_token));
  REQUIRE(asked.status == 201);
  Tenant other(port, "unaudited");  // its events are not in this tenant's trail
  other.add_user("olga");

  // Exactly the tenant's valid events, each once, newest first.
  std::set<std::string> logged;
  for (const auto& e : all_events(dev))
    if (event_field(e, "tenantid") == t.id && event_field(e, "type") != "owner.claimed") logged.insert(event_field(e, "id"));
  auto listed = walk(t, "", 7);
  CHECK(std::set<std::string>(listed.begin(), listed.end()) == logged);
  CHECK(listed.size() == logged.size());
  CHECK(std::is_sorted(listed.rbegin(), listed.rend()));
  // No secret of any event in any entry.
  CHECK(dev.db.count("SELECT count(*) FROM audit_entries WHERE details::text ~ '(password_hash|refresh_token_hash|key_hash|token_hash|nonce|argon2)'") == 0);
  CHECK(dev.db.count("SELECT count(*) FROM audit_entries WHERE tenant_id = '" + t.id + "'") == int64_t(logged.size()));

  // Filters: each entry has what the filter asks, and none is missing.
  auto all = t.read("/v1/audit?limit=500");
  auto every = all.json();
  auto count_where = [&](auto pred) {
    size_t n = 0;
    for (auto item : simdjson::dom::array(every->root()["items"])) n += pred(item) ? 1 : 0;
    return n;
  };
  using element = simdjson::dom::element;
  CHECK(walk(t, "actor_id=" + vic, 2).size() == count_where([&](element i) { return regent::core::get_text(i, "actor_id") == vic; }));
  CHECK(walk(t, "action=user.*", 2).size() ==
        count_where([&](element i) { return regent::core::get_text(i, "action").rfind("user.", 0) == 0; }));
  auto credits = t.read("/v1/audit?action=wallet.credited");
  CHECK(credits.body.find("\"action\":\"wallet.credited\"") != std::string::npos);
  CHECK(walk(t, "action=wallet.credited", 1).size() == 1);
  auto on_vic = walk(t, "resource_type=user&resource_id=" + vic, 1);
  CHECK(on_vic.size() == count_where([&](element i) {
          return regent::core::get_text(i, "resource_type") == "user" && regent::core::get_text(i, "resource_id") == vic;
        }));
  CHECK(walk(t, "resource_type=wallet&resource_id=" + vic, 1).size() == 2);  // credited, then debited by the activity
  // Every request's origin, from its events' envelopes (sealed there under the actor's key).
  CHECK(dev.db.count("SELECT count(*) FROM audit_entries WHERE tenant_id = '" + t.id + "' AND actor_type = 'user'") > 10);
  CHECK(dev.db.count("SELECT count(*) FROM audit_entries WHERE tenant_id = '" + t.id +
                     "' AND actor_type = 'user' AND ip IS DISTINCT FROM '127.0.0.1'") == 0);
  // A sign-in's entry: who, from where, as a session.
  auto signins = t.read("/v1/audit?action=user.logged_in&actor_id=" + vic);
  CHECK(signins.body.find("\"resource_type\":\"session\"") != std::string::npos);
  CHECK(signins.body.find("\"ip\":\"127.0.0.1\"") != std::string::npos);
  // Time bounds split the trail exactly: `from` inclusive, `to` exclusive, at a middle entry's time.
  auto items = simdjson::dom::array(every->root()["items"]);
  std::string middle = regent::core::get_text(items.at(items.size() / 2), "time");
  auto before = walk(t, "to=" + middle, 3), since = walk(t, "from=" + middle, 3);
  CHECK(before.size() == count_where([&](element i) { return regent::core::get_text(i, "time") < middle; }));
  CHECK(since.size() == count_where([&](element i) { return regent::core::get_text(i, "time") >= middle; }));
  CHECK(before.size() + since.size() == listed.size());
  CHECK((!before.empty() && !since.empty()));
  CHECK(walk(t, "from=2000-01-01", 500).size() == listed.size());
  CHECK(walk(t, "from=2999-01-01", 500).empty());

  // The stats count what the listing gives for the same range: by action, actor and day.
  auto stats_agree = [&](const std::string& range, const std::vector<std::string>& ids) {
    CAPTURE(range);
    auto r = t.read("/v1/audit/stats" + range);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    auto doc = r.json();
    auto root = doc->root();
    std::set<std::string> in_range(ids.begin(), ids.end());
    std::map<std::string, int64_t> action, actor, day;
    for (auto item : simdjson::dom::array(every->root()["items"])) {
      if (!in_range.count(regent::core::get_text(item, "id"))) continue;
      ++action[regent::core::get_text(item, "action")];
      ++actor[regent::core::get_text(item, "actor_type") + "/" + regent::core::get_text(item, "actor_id")];
      ++day[regent::core::get_text(item, "time").substr(0, 10)];
    }
    CHECK(int64_t(root["total"]) == int64_t(ids.size()));
    std::map<std::string, int64_t> got_action, got_actor, got_day;
    for (auto field : simdjson::dom::object(root["by_action"])) got_action[std::string(field.key)] = int64_t(field.value);
    for (auto a : simdjson::dom::array(root["by_actor"]))
      got_actor[regent::core::get_text(a, "actor_type") + "/" + regent::core::get_text(a, "actor_id")] = int64_t(a["count"]);
    for (auto d : simdjson::dom::array(root["by_day"])) got_day[regent::core::get_text(d, "day")] = int64_t(d["count"]);
    CHECK(got_action == action);
    CHECK(got_actor == actor);  // fewer than 100 actors: all of them
    CHECK(int64_t(root["actors"]) == int64_t(actor.size()));
    CHECK(got_day == day);
  };
  stats_agree("", listed);
  stats_agree("?from=" + middle, since);
  stats_agree("?to=" + middle, before);
  stats_agree("?from=2999-01-01", {});
  // Whole days (their daily counts alone), and a partial day with a whole one.
  std::string today = middle.substr(0, 10);
  std::string tomorrow = regent::core::format_rfc3339(*regent::core::parse_rfc3339(today + "T00:00:00Z") + 86400000).substr(0, 10);
  stats_agree("?from=" + today + "&to=" + tomorrow, listed);
  stats_agree("?from=" + middle + "&to=" + tomorrow, since);
  stats_agree("?from=" + today + "&to=" + middle, before);
  CHECK(t.read("/v1/audit/stats?from=2000-01-01", bob_token).status == 200);
  check_problem(get(port, "/v1/audit/stats", vic_token), 403, "forbidden");
  check_problem(get(port, "/v1/audit/stats"), 401, "unauthenticated");
  for (const char* bad : {"from=yesterday", "to=13", "action=user.*"}) {
    CAPTURE(bad);
    check_problem(get(port, std::string("/v1/audit/stats?") + bad, t.admin), 422, "validation_failed");
  }

  // A user's export holds the entries where it acts or is the one an event is about, newest first.
  {
    auto exported = get(port, "/v1/users/" + vic + "/export", vic_token, {{"Regent-Min-Position", t.position}});
    REQUIRE_MESSAGE(exported.status == 200, exported.body);
    auto doc = exported.json();
    std::vector<std::string> ids;
    for (auto e : simdjson::dom::array(doc->root()["audit_entries"])) ids.push_back(regent::core::get_text(e, "id"));
    std::vector<std::string> expected;
    std::istringstream rows(dev.db.text("SELECT string_agg(id::text, ' ' ORDER BY id DESC) FROM audit_entries WHERE tenant_id = '" +
                                        t.id + "' AND (actor_id = '" + vic + "' OR user_id = '" + vic + "')"));
    for (std::string id; rows >> id;) expected.push_back(id);
    CHECK(ids == expected);
    CHECK(ids.size() >= 5);  // created, credited, its activity, signed in, asked for a permission
    CHECK(exported.body.find("\"action\":\"permission.requested\"") != std::string::npos);
  }

  // Who may read it.
  CHECK(t.read("/v1/audit", bob_token).status == 200);  // an analyst
  check_problem(get(port, "/v1/audit", vic_token), 403, "forbidden");
  CHECK(get(port, "/v1/audit", key.str("key")).status == 200);
  check_problem(get(port, "/v1/audit"), 401, "unauthenticated");
  // The other tenant's admin sees only its own.
  CHECK(get(port, "/v1/audit?limit=500", other.admin).body.find(t.id) == std::string::npos);

  // Bad filters: 422, each named.
  for (const char* bad : {"action=User.Created", "action=user", "action=.*", "resource_id=x", "from=yesterday",
                          "cursor=garbage", "limit=0", "limit=501", "colour=red"}) {
    CAPTURE(bad);
    check_problem(get(port, std::string("/v1/audit?") + bad, t.admin), 422, "validation_failed");
  }

  // The export: the listing's entries in its order, as CSV that Python's csv module reads back, a
  // formula-looking cell neutralised.
  REQUIRE(t.track(post(port, "/v1/users/" + vic + "/wallet/credits", R"({"amount":5})", t.admin,
                       {{"Request-Id", "=HYPERLINK(\"http://evil.test\",\"x\")"}})).status == 201);
  auto listing = walk(t, "action=wallet.*", 500);
  auto csv = get(port, "/v1/audit/export?format=csv&action=wallet.*", t.admin, {{"Regent-Min-Position", t.position}});
  REQUIRE_MESSAGE(csv.status == 200, csv.body);
  CHECK(csv.header("content-type") == "text/csv; charset=utf-8; header=present");
  CHECK(csv.header("transfer-encoding") == "chunked");
  CHECK(csv.body.rfind("id,position,time,tenant_id,actor_id,actor_type,action,resource_type,resource_id,request_id,ip,"
                       "user_agent,details\r\n", 0) == 0);
  CHECK(csv.body.find("\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\"") != std::string::npos);
  TempDir files;
  std::string path = files.path() + "/audit.csv";
  std::ofstream(path, std::ios::binary) << csv.body;
  std::ofstream(files.path() + "/read.py") << "import csv, sys\n"
                                              "rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))\n"
                                              "assert all(len(r) == 13 for r in rows), 'ragged rows'\n"
                                              "print(' '.join(r[0] for r in rows[1:]))\n";
  auto [status, ids] = shell("python3 " + files.path() + "/read.py " + path);
  CAPTURE(ids);
  REQUIRE(status == 0);
  std::string expected;
  for (const auto& id : listing) expected += (expected.empty() ? "" : " ") + id;
  CHECK(ids == expected + "\n");
  check_problem(get(port, "/v1/audit/export?format=xml", t.admin), 422, "validation_failed");
  check_problem(get(port, "/v1/audit/export", vic_token), 403, "forbidden");

  // Erased: the entries its key sealed keep their shape, their personal fields read as null.
  auto erased = post(port, "/v1/users/" + vic + "/erase", "", t.admin);
  REQUIRE_MESSAGE(erased.status == 200, erased.body);
  t.position = erased.header("regent-position");
  auto after = t.read("/v1/audit?limit=500&resource_type=user&resource_id=" + vic);
  CHECK(after.body.find("vic@audited.test") == std::string::npos);
  CHECK(after.body.find("\"action\":\"user.erased\"") != std::string::npos);
  CHECK(t.read("/v1/audit?limit=500").body.find("audit me") == std::string::npos);
  // Nothing of it left: neither the personal fields its key sealed nor the origin of its requests.
  CHECK(dev.db.count("SELECT count(*) FROM audit_entries WHERE actor_id = '" + vic + "' AND ip IS NOT NULL") == 0);
  CHECK(dev.db.count("SELECT count(*) FROM audit_entries WHERE actor_id = '" + vic + "' AND user_agent IS NOT NULL") == 0);
  CHECK(dev.db.count("SELECT count(*) FROM audit_entries WHERE user_id = '" + vic + "' AND "
                     "EXISTS (SELECT 1 FROM jsonb_each(details->'personal') p WHERE p.value <> 'null'::jsonb)") == 0);
}

TEST_CASE("the audit retention job deletes entries older than REGENT_AUDIT_RETENTION_DAYS, and by default none") {
  // An entry written four days ago (as a log replayed into a fresh trail gives it), beside today's.
  auto old_entry = [](DevServer& dev, const Tenant& t) {
    auto ms = regent::core::now_millis() - 4 * 24 * 3600 * 1000LL;
    std::string id = regent::api::uuid_floor(ms);
    id.replace(id.size() - 12, 12, "00000000abcd");
    std::string at = regent::core::format_rfc3339(ms);
    // The entry and its counts in one transaction, as the projection writes them: the scheduler's
    // pass must never find one without the other.
    dev.db.exec("INSERT INTO audit_entries (id, tenant_id, log_partition, log_offset, at, actor_type, action, resource_type, "
                "resource_id, details) VALUES ('" + id + "', '" + t.id + "', 0, 0, '" + at +
                "', 'system', 'tenant.renamed', 'tenant', '" + t.id + "', '{}'); "
                "INSERT INTO audit_daily_actions VALUES ('" + t.id + "', '" + at.substr(0, 10) + "', 'tenant.renamed', 1); "
                "INSERT INTO audit_daily_actors VALUES ('" + t.id + "', '" + at.substr(0, 10) + "', 'system', '', 1)");
    return id;
  };
  auto passes = [](DevServer& dev) { return metric(dev.port(), "regent_scheduler_passes_total"); };

  DevServer keeping(std::map<std::string, std::string>{{"REGENT_SCHEDULER_INTERVAL", "100ms"}});
  Tenant kept(keeping.port(), "keeps");
  REQUIRE(eventually([&] { return keeping.db.count("SELECT count(*) FROM audit_entries WHERE tenant_id = '" + kept.id + "'") >= 2; }));
  std::string old_kept = old_entry(keeping, kept);
  double seen = passes(keeping);
  REQUIRE(eventually([&] { return passes(keeping) >= seen + 2; }));
  CHECK(keeping.db.count("SELECT count(*) FROM audit_entries WHERE id = '" + old_kept + "'") == 1);

  DevServer pruning({{"REGENT_SCHEDULER_INTERVAL", "100ms"}, {"REGENT_AUDIT_RETENTION_DAYS", "3"}});
  Tenant t(pruning.port(), "prunes");
  REQUIRE(eventually([&] { return pruning.db.count("SELECT count(*) FROM audit_entries WHERE tenant_id = '" + t.id + "'") >= 2; }));
  int64_t recent = pruning.db.count("SELECT count(*) FROM audit_entries");
  std::string old = old_entry(pruning, t);
  CHECK(eventually([&] { return pruning.db.count("SELECT count(*) FROM audit_entries WHERE id = '" + old + "'") == 0; }));
  CHECK(pruning.db.count("SELECT count(*) FROM audit_entries") == recent);  // today's all kept
  CHECK(metric(pruning.port(), "regent_audit_pruned_total") == 1);
  // The stats lost it too: they are still the listing's.
  auto stats = t.read("/v1/audit/stats");
  REQUIRE(stats.status == 200);
  CHECK(int64_t(stats.json()->root()["total"]) == pruning.db.count("SELECT count(*) FROM audit_entries WHERE tenant_id = '" + t.id + "'"));
  CHECK(pruning.db.count("SELECT count(*) FROM audit_daily_actions WHERE action = 'tenant.renamed' AND day < current_date - 3") == 0);
  CHECK(pruning.db.count("SELECT count(*) FROM audit_daily_actors WHERE n <= 0") == 0);
  auto listed = t.read("/v1/audit?limit=500");
  CHECK(listed.body.find(old) == std::string::npos);
  check_problem(get(pruning.port(), "/v1/audit", ""), 401, "unauthenticated");
  // No API deletes or changes an entry.
  for (const char* method : {"DELETE", "PATCH", "PUT", "POST"}) {
    CAPTURE(method);
    check_problem(send(pruning.port(), method, "/v1/audit", "{}", t.admin), 405, "method_not_allowed");
  }
}
