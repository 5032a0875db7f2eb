// Permission requests over HTTP: the workflow, who sees and decides what, every bad input refused
// with nothing appended; expiry by the scheduler inside `regent dev`; and two `regent worker
// scheduler` processes, one SIGKILLed, then a downtime longer than the expiries, against `serve`.
#include <set>

#include "core/clock.hpp"
#include "events/log_reader.hpp"
#include "events/mock_cluster.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {

std::string request_body(const std::string& resource, const std::string& level, const std::string& extra = "") {
  return R"({"resource":")" + resource + R"(","level":")" + level + R"(","reason":"for the quarterly report")" +
         extra + "}";
}

std::string in_ms(int64_t ms) { return regent::core::format_rfc3339(regent::core::now_millis() + ms); }

// Every event of the topic at `brokers` (all partitions, from the start).
std::vector<std::string> topic_events(const std::string& brokers, int partitions) {
  regent::events::LogReader reader(brokers, "regent.events");
  std::map<int32_t, int64_t> from;
  int64_t total = 0;
  for (int p = 0; p < partitions; ++p) from[p] = 0, total += reader.end_offset(p, std::chrono::seconds(5));
  reader.assign(from);
  std::vector<std::string> out;
  for (int tries = 0; static_cast<int64_t>(out.size()) < total && tries < 200; ++tries)
    for (auto& m : reader.poll(1000, std::chrono::milliseconds(100))) out.push_back(m.value);
  return out;
}

// How many events of `type` name the permission.
int count_of(const std::vector<std::string>& events, const std::string& type, const std::string& id) {
  int n = 0;
  for (const auto& e : events)
    if (event_field(e, "type") == type && e.find(id) != std::string::npos) ++n;
  return n;
}

std::string status_of(int port, const std::string& token, const std::string& id) {
  auto r = get(port, "/v1/permissions/" + id, token);
  return r.status == 200 ? r.str("status") : "(" + std::to_string(r.status) + ")";
}

}  // namespace

TEST_CASE("permission requests: asked, approved, rejected and revoked by whom API.md says, and refused cleanly otherwise") {
  DevServer dev;
  int port = dev.port();
  Tenant t(port, "perms");
  std::string vic = t.add_user("vic"), ann = t.add_user("ann", R"(["analyst"])"), max = t.add_user("max", R"(["manager"])");
  std::string vic_token = t.token_of("vic"), ann_token = t.token_of("ann"), max_token = t.token_of("max");

  auto asked = post(port, "/v1/permissions", request_body("ga4:properties/123456", "analyst"), vic_token);
  REQUIRE_MESSAGE(asked.status == 201, asked.body);
  std::string id = asked.str("id");
  CHECK(asked.header("location") == "/v1/permissions/" + id);
  CHECK(asked.str("status") == "pending");
  CHECK(asked.str("user_id") == vic);
  CHECK(asked.str("requested_by") == vic);
  CHECK(json_int(asked, {"version"}) == 1);

  // Bad requests get a problem naming the field, and append nothing.
  int64_t before = log_end(dev);
  check_problem(post(port, "/v1/permissions", R"({"resource":"ga4:properties/1","level":"analyst"})", vic_token), 422,
                "validation_failed");
  CHECK(error_fields(post(port, "/v1/permissions", request_body("GA4 property", "analyst"), vic_token)) ==
        std::vector<std::string>{"resource"});
  CHECK(error_fields(post(port, "/v1/permissions", request_body("ga4:properties/1", "owner"), vic_token)) ==
        std::vector<std::string>{"level"});
  CHECK(error_fields(post(port, "/v1/permissions", request_body("ga4:properties/1", "viewer", R"(,"colour":"red")"),
                          vic_token)) == std::vector<std::string>{"colour"});
  CHECK(error_fields(post(port, "/v1/permissions",
                          request_body("ga4:properties/1", "viewer", R"(,"expires_at":")" + in_ms(-1000) + "\""),
                          vic_token)) == std::vector<std::string>{"expires_at"});
  check_problem(post(port, "/v1/permissions", request_body("ga4:properties/1", "viewer", R"(,"user_id":")" + ann + "\""),
                     vic_token),
                403, "forbidden");
  check_problem(post(port, "/v1/permissions", request_body("ga4:properties/123456", "analyst"), vic_token), 409, "conflict");
  check_problem(post(port, "/v1/permissions", "{", vic_token), 400, "invalid_json");
  check_problem(send(port, "POST", "/v1/permissions", request_body("ga4:properties/1", "viewer"), vic_token,
                     {{"Content-Type", "text/plain"}}),
                415, "unsupported_media_type");
  check_problem(post(port, "/v1/permissions", request_body("ga4:properties/1", "viewer")), 401, "unauthenticated");
  // Deciding: never one's own, never a viewer's or an analyst's, If-Match is the version.
  check_problem(post(port, "/v1/permissions/" + id + "/approve", "{}", vic_token), 403, "forbidden");
  check_problem(post(port, "/v1/permissions/" + id + "/approve", "{}", ann_token), 403, "forbidden");
  check_problem(post(port, "/v1/permissions/" + id + "/approve", "{}", max_token, {{"If-Match", "\"2\""}}), 412,
                "version_mismatch");
  check_problem(post(port, "/v1/permissions/" + id + "/reject", "{}", max_token), 422, "validation_failed");
  CHECK(error_fields(send(port, "POST", "/v1/permissions/" + id + "/reject", "", max_token)) ==
        std::vector<std::string>{"reason"});  // no body at all: the same
  CHECK(error_fields(post(port, "/v1/permissions/" + id + "/approve", R"({"reason":"x"})", max_token)) ==
        std::vector<std::string>{"reason"});  // approving takes no reason
  check_problem(post(port, "/v1/permissions/" + id + "/approve", R"({"expires_at":"soon"})", max_token), 422,
                "validation_failed");
  check_problem(post(port, "/v1/permissions/" + id + "/approve", R"({"expires_at":")" + in_ms(-5) + "\"}", max_token), 422,
                "validation_failed");
  check_problem(post(port, "/v1/permissions/" + id + "/expire", "", max_token), 409, "invalid_transition");
  check_problem(post(port, "/v1/permissions/01a20000-0000-7000-8000-000000000000/approve", "{}", max_token), 404,
                "not_found");
  check_problem(post(port, "/v1/permissions/" + id + "/expire", "", "svc_" + t.id + ".9999999999.forged"), 401,
                "unauthenticated");
  CHECK(log_end(dev) == before);

  // Approved by a manager (an empty body is fine), then nothing but revoking moves it.
  auto approved = post(port, "/v1/permissions/" + id + "/approve", "", max_token, {{"If-Match", "\"1\""}});
  REQUIRE_MESSAGE(approved.status == 200, approved.body);
  CHECK(approved.str("status") == "approved");
  CHECK(approved.str("decided_by") == max);
  check_problem(post(port, "/v1/permissions/" + id + "/approve", "{}", t.admin), 409, "invalid_transition");
  check_problem(post(port, "/v1/permissions/" + id + "/reject", R"({"reason":"no"})", t.admin), 409, "invalid_transition");
  auto revoked = post(port, "/v1/permissions/" + id + "/revoke", R"({"reason":"project finished"})", t.admin);
  REQUIRE_MESSAGE(revoked.status == 200, revoked.body);
  CHECK(revoked.str("status") == "revoked");
  CHECK(revoked.str("decision_reason") == "project finished");
  check_problem(post(port, "/v1/permissions/" + id + "/revoke", "{}", t.admin), 409, "invalid_transition");

  // Another, for ann by the manager, rejected by the admin; and the read model says what the write side said.
  auto for_ann = post(port, "/v1/permissions", request_body("ga4:properties/777", "viewer", R"(,"user_id":")" + ann + "\""),
                      max_token);
  REQUIRE_MESSAGE(for_ann.status == 201, for_ann.body);
  CHECK(for_ann.str("requested_by") == max);
  check_problem(post(port, "/v1/permissions/" + for_ann.str("id") + "/reject", R"({"reason":"x"})", max_token), 403,
                "forbidden");  // who asked does not decide
  auto rejected = post(port, "/v1/permissions/" + for_ann.str("id") + "/reject", R"({"reason":"use the dashboard"})", t.admin);
  REQUIRE_MESSAGE(rejected.status == 200, rejected.body);
  auto read = get(port, "/v1/permissions/" + for_ann.str("id"), t.admin, {{"Regent-Min-Position", rejected.header("regent-position")}});
  REQUIRE_MESSAGE(read.status == 200, read.body);
  CHECK(read.body == rejected.body);

  // A wallet credit changes nothing in this model, whose checkpoint then moves without a
  // transaction of its own (projections/runner.cpp): a read waiting for that position still answers.
  auto credited = t.credit(vic, "100");
  REQUIRE(credited.status == 201);
  auto waited = get(port, "/v1/permissions", t.admin, {{"Regent-Min-Position", credited.header("regent-position")}});
  CHECK_MESSAGE(waited.status == 200, waited.body);

  // Who sees what: approvers the tenant's, everyone else their own.
  auto all = get(port, "/v1/permissions", t.admin);
  CHECK(all.body.find(id) != std::string::npos);
  CHECK(all.body.find(for_ann.str("id")) != std::string::npos);
  auto own = get(port, "/v1/permissions", vic_token);
  CHECK(own.body.find(id) != std::string::npos);
  CHECK(own.body.find(for_ann.str("id")) == std::string::npos);
  check_problem(get(port, "/v1/permissions?user_id=" + ann, vic_token), 403, "forbidden");
  check_problem(get(port, "/v1/permissions/" + for_ann.str("id"), vic_token), 404, "not_found");
  CHECK(get(port, "/v1/permissions/" + for_ann.str("id"), ann_token).status == 200);
  // Filters and pages.
  auto by_status = get(port, "/v1/permissions?status=rejected", t.admin);
  CHECK(by_status.body.find(for_ann.str("id")) != std::string::npos);
  CHECK(by_status.body.find(id) == std::string::npos);
  auto by_resource = get(port, "/v1/permissions?resource=ga4:properties/123456", t.admin);
  CHECK(by_resource.body.find(id) != std::string::npos);
  CHECK(by_resource.body.find(for_ann.str("id")) == std::string::npos);
  auto by_user = get(port, "/v1/permissions?user_id=" + ann, max_token);
  CHECK(by_user.body.find(for_ann.str("id")) != std::string::npos);
  CHECK(by_user.body.find(id) == std::string::npos);
  auto first = get(port, "/v1/permissions?limit=1", t.admin);
  CHECK(first.body.find(for_ann.str("id")) != std::string::npos);  // newest first
  std::string cursor = first.str("next_cursor");
  REQUIRE_FALSE(cursor.empty());
  auto second = get(port, "/v1/permissions?limit=1&cursor=" + cursor, t.admin);
  CHECK(second.body.find(id) != std::string::npos);
  CHECK(second.body.find("\"next_cursor\":null") != std::string::npos);
  check_problem(get(port, "/v1/permissions?status=granted", t.admin), 422, "validation_failed");
  check_problem(get(port, "/v1/permissions?user_id=bob", t.admin), 422, "validation_failed");
  check_problem(get(port, "/v1/permissions?cursor=" + cursor.substr(1), t.admin), 422, "validation_failed");

  // A deactivated user's open permissions close, each with the reason.
  auto pending = post(port, "/v1/permissions", request_body("ga4:properties/5", "viewer"), ann_token);
  auto held = post(port, "/v1/permissions", request_body("ga4:properties/6", "viewer"), ann_token);
  REQUIRE(post(port, "/v1/permissions/" + held.str("id") + "/approve", "{}", t.admin).status == 200);
  auto gone = post(port, "/v1/users/" + ann + "/deactivate", "", t.admin);
  REQUIRE_MESSAGE(gone.status == 200, gone.body);
  auto after = get(port, "/v1/permissions?user_id=" + ann + "&status=revoked", t.admin,
                   {{"Regent-Min-Position", gone.header("regent-position")}});
  CHECK(after.body.find(held.str("id")) != std::string::npos);
  CHECK(after.body.find("the user was deactivated") != std::string::npos);
  CHECK(status_of(port, t.admin, pending.str("id")) == "rejected");
}

TEST_CASE("an approved permission expires within a minute of its expires_at, once, and an expiry racing a revocation is one of them") {
  DevServer dev(std::map<std::string, std::string>{{"REGENT_SCHEDULER_INTERVAL", "500ms"}});
  int port = dev.port();
  Tenant t(port, "expiry");
  std::string vic = t.add_user("vic");
  std::string vic_token = t.token_of("vic");
  auto ask = [&](const std::string& resource) {
    auto r = post(port, "/v1/permissions", request_body(resource, "viewer"), vic_token);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return r.str("id");
  };
  std::string id = ask("ga4:properties/1"), raced = ask("ga4:properties/2");
  std::string ends = in_ms(1500);
  REQUIRE(post(port, "/v1/permissions/" + id + "/approve", R"({"expires_at":")" + ends + "\"}", t.admin).status == 200);
  REQUIRE(post(port, "/v1/permissions/" + raced + "/approve", R"({"expires_at":")" + ends + "\"}", t.admin).status == 200);
  CHECK(eventually([&] { return status_of(port, t.admin, id) == "approved"; }));
  // At its expiry, an approver revokes the other: one of the two wins, never both.
  std::this_thread::sleep_until(std::chrono::system_clock::time_point(
      std::chrono::milliseconds(*regent::core::parse_rfc3339(ends))));
  int revoke = post(port, "/v1/permissions/" + raced + "/revoke", "{}", t.admin).status;
  CHECK((revoke == 200 || revoke == 409));
  REQUIRE(eventually([&] { return status_of(port, t.admin, id) == "expired"; }, std::chrono::seconds(60)));
  REQUIRE(eventually([&] {
    auto s = status_of(port, t.admin, raced);
    return s == "expired" || s == "revoked";
  }));
  auto events = all_events(dev);
  CHECK(count_of(events, "permission.expired", id) == 1);
  CHECK(count_of(events, "permission.expired", raced) + count_of(events, "permission.revoked", raced) == 1);
  CHECK((revoke == 200) == (count_of(events, "permission.revoked", raced) == 1));
  for (const auto& e : events)
    if (event_field(e, "type") == "permission.expired" && e.find(id) != std::string::npos) {
      int64_t at = *regent::core::parse_rfc3339(event_field(e, "time"));
      int64_t due = *regent::core::parse_rfc3339(ends);
      CHECK(at >= due);
      CHECK(at - due < 60'000);
      CHECK(event_field(e, "actorid").empty());  // Regent's own
      CHECK(event_field(e, "actortype") == "system");
    }
}

TEST_CASE("two schedulers, one SIGKILLed, then a downtime longer than the expiries: every expiry recorded exactly once") {
  regent::events::MockCluster cluster(1);
  cluster.create_topic("regent.events", 3, 1);
  TempDir dir;
  TestDatabase db;
  auto env = cluster_env(cluster.bootstraps(), 3, db.url());
  RegentProcess serve({"serve"}, env, dir.path() + "/serve.log");
  RegentProcess projections({"worker", "projections"}, env, dir.path() + "/projections.log", "regent projections worker running");
  auto scheduler_env = env;
  scheduler_env["REGENT_API_URL"] = "http://127.0.0.1:" + std::to_string(serve.port());
  scheduler_env["REGENT_SCHEDULER_INTERVAL"] = "300ms";
  auto scheduler = [&](const std::string& name) {
    return std::make_unique<RegentProcess>(std::vector<std::string>{"worker", "scheduler"}, scheduler_env,
                                           dir.path() + "/" + name + ".log", "regent scheduler running");
  };
  int port = serve.port();
  Tenant t(port, "sched");
  std::string vic_token;
  t.add_user("vic");
  vic_token = t.token_of("vic");
  auto approve_soon = [&](int n, int64_t in) {
    std::vector<std::string> ids;
    std::string ends = in_ms(in);
    for (int i = 0; i < n; ++i) {
      auto r = post(port, "/v1/permissions", request_body("ga4:properties/" + std::to_string(ids.size()) + ends.substr(17, 6),
                                                          "viewer"),
                    vic_token);
      REQUIRE_MESSAGE(r.status == 201, r.body);
      auto a = post(port, "/v1/permissions/" + r.str("id") + "/approve", R"({"expires_at":")" + ends + "\"}", t.admin);
      REQUIRE_MESSAGE(a.status == 200, a.body);
      ids.push_back(r.str("id"));
    }
    return ids;
  };
  auto expired_in_model = [&](const std::vector<std::string>& ids) {
    std::string list;
    for (const auto& id : ids) list += (list.empty() ? "'" : ",'") + id + "'";
    return db.count("SELECT count(*) FROM permissions WHERE status = 'expired' AND id IN (" + list + ")");
  };

  auto first = scheduler("first"), second = scheduler("second");
  auto wave = approve_soon(20, 1500);
  // The first is killed as the wave falls due; the second (and the writer's own check) carry on.
  REQUIRE(eventually([&] { return db.count("SELECT count(*) FROM permissions WHERE expires_at <= now()") > 0; }));
  first->kill9();
  REQUIRE(eventually([&] { return expired_in_model(wave) == 20; }, std::chrono::seconds(60)));

  // Down for longer than the next wave's expiry: nothing expires, then the restarted one catches up.
  CHECK(second->terminate() == 0);
  auto late = approve_soon(5, 500);
  REQUIRE(eventually([&] { return db.count("SELECT count(*) FROM permissions WHERE expires_at < now() - interval '2 seconds' AND status = 'approved'") == 5; }));
  CHECK(expired_in_model(late) == 0);
  auto third = scheduler("third");
  REQUIRE(eventually([&] { return expired_in_model(late) == 5; }, std::chrono::seconds(60)));

  auto events = topic_events(cluster.bootstraps(), 3);
  for (const auto& id : wave) CHECK_MESSAGE(count_of(events, "permission.expired", id) == 1, id);
  for (const auto& id : late) CHECK_MESSAGE(count_of(events, "permission.expired", id) == 1, id);
  // Its /metrics says what it did.
  CHECK(metric(third->port(), "regent_scheduler_expiries_total{outcome=\"expired\"}") >= 1);
}
