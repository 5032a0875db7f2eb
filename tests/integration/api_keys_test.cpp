// API keys over HTTP: created once with their key, used as a Bearer, held to their scopes,
// revoked and expired on the next request, their use recorded, and never in clear in the log.
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {
// The field `key` of the item `id` of a list answer; "" when absent or null.
std::string item_field(const HttpResponse& list, const std::string& id, std::string_view key) {
  auto doc = list.json();
  for (auto item : simdjson::dom::array(doc->root()["items"]))
    if (regent::core::get_text(item, "id") == id) return regent::core::get_text(item, key);
  return "";
}

HttpResponse make_key(Tenant& t, const std::string& body, const std::string& token = "",
                      const std::map<std::string, std::string>& headers = {}) {
  return t.track(post(t.port, "/v1/api-keys", body, token.empty() ? t.admin : token, headers));
}
}  // namespace

TEST_CASE("an API key acts within its scopes, as itself, until it is revoked") {
  DevServer dev;
  Tenant t(dev.port(), "keys");
  std::string vic = t.add_user("vic");
  auto made = make_key(t, R"({"name":"reporting","scopes":["users:read","wallets:write"]})", "",
                       {{"Idempotency-Key", "key-1"}});
  REQUIRE_MESSAGE(made.status == 201, made.body);
  std::string key = made.str("key");
  CHECK(key.rfind("rk_", 0) == 0);
  CHECK(key.size() == 3 + 43 + 1 + 36);
  CHECK(made.str("prefix") == key.substr(0, 11));
  CHECK(made.str("created_by") == t.admin_id);
  CHECK(made.header("cache-control") == "no-store");
  auto replay = make_key(t, R"({"name":"reporting","scopes":["users:read","wallets:write"]})", "",
                         {{"Idempotency-Key", "key-1"}});
  CHECK(replay.header("idempotent-replayed") == "true");
  CHECK(replay.str("key") == key);

  // Within its scopes: reading users, moving money; outside them: refused, whatever the route.
  auto listed = get(t.port, "/v1/users", key, {{"Regent-Min-Position", t.position}});
  REQUIRE_MESSAGE(listed.status == 200, listed.body);
  CHECK(listed.body.find(vic) != std::string::npos);
  auto credited = t.track(post(t.port, "/v1/users/" + vic + "/wallet/credits", R"({"amount":500})", key));
  REQUIRE_MESSAGE(credited.status == 201, credited.body);
  auto charged = t.track(post(t.port, "/v1/activities", R"({"type":"form_download","user_id":")" + vic + "\"}", key));
  CHECK(charged.status == 201);
  check_problem(post(t.port, "/v1/activities", R"({"type":"form_download"})", key), 422, "validation_failed");
  int64_t before = log_end(dev);
  check_problem(post(t.port, "/v1/users", user_body("k@keys.test"), key), 403, "forbidden");
  check_problem(send(t.port, "PATCH", "/v1/tenant", R"({"name":"Hijacked"})", key), 403, "forbidden");
  check_problem(make_key(t, R"({"name":"more","scopes":["admin"]})", key), 403, "forbidden");
  check_problem(get(t.port, "/v1/api-keys", key), 403, "forbidden");
  check_problem(get(t.port, "/v1/dashboard/summary", key), 403, "forbidden");
  check_problem(get(t.port, "/v1/me", key), 403, "forbidden");
  CHECK(log_end(dev) == before);

  // Its use is recorded (once a minute at most), and the list shows it, never the key.
  auto keys = t.read("/v1/api-keys");
  REQUIRE_MESSAGE(keys.status == 200, keys.body);
  CHECK(keys.body.find(made.str("id")) != std::string::npos);
  CHECK(keys.body.find(key.substr(11, 20)) == std::string::npos);
  CHECK(item_field(keys, made.str("id"), "last_used_at").rfind("20", 0) == 0);
  CHECK(item_field(keys, made.str("id"), "prefix") == made.str("prefix"));
  CHECK(dev.db.count("SELECT count(*) FROM api_keys WHERE last_used_at IS NOT NULL") == 1);

  // Its events name it as the actor; neither the key nor its secret part is in the log.
  int used = 0, by_key = 0;
  for (const auto& e : all_events(dev)) {
    CHECK(e.find(key.substr(3, 43)) == std::string::npos);
    used += event_field(e, "type") == "api_key.used";
    if (event_field(e, "actortype") == "api_key") {
      ++by_key;
      CHECK(event_field(e, "actorid") == made.str("id"));
    }
  }
  CHECK(used == 1);
  CHECK(by_key == 4);  // its use, the credit, the activity's two events

  // Revoked: refused from the next request on; revoking again appends nothing.
  REQUIRE(send(t.port, "DELETE", "/v1/api-keys/" + made.str("id"), "", t.admin).status == 204);
  check_problem(get(t.port, "/v1/users", key), 401, "unauthenticated");
  before = log_end(dev);
  CHECK(send(t.port, "DELETE", "/v1/api-keys/" + made.str("id"), "", t.admin).status == 204);
  CHECK(log_end(dev) == before);
  auto active = t.read("/v1/api-keys");
  CHECK(active.body.find(made.str("id")) == std::string::npos);
  auto all = t.read("/v1/api-keys?status=all");
  CHECK(all.body.find(made.str("id")) != std::string::npos);
  CHECK(item_field(all, made.str("id"), "revoked_at").rfind("20", 0) == 0);
}

TEST_CASE("bad, tampered, foreign and expired keys are refused; creating keys is the admin's") {
  DevServer dev;
  Tenant t(dev.port(), "badkeys");
  Tenant other(dev.port(), "otherkeys");
  std::string meg_token;
  t.add_user("meg", R"(["manager"])");
  meg_token = t.token_of("meg");
  int64_t before = log_end(dev);
  check_problem(make_key(t, R"({"name":"x","scopes":["users:read"]})", meg_token), 403, "forbidden");
  check_problem(make_key(t, R"({"name":"x","scopes":["root"]})"), 422, "validation_failed");
  check_problem(make_key(t, R"({"name":"x","scopes":[]})"), 422, "validation_failed");
  check_problem(make_key(t, R"({"name":"","scopes":["users:read"]})"), 422, "validation_failed");
  check_problem(make_key(t, R"({"name":"x","scopes":["users:read"],"expires_at":"2001-01-01T00:00:00Z"})"), 422,
                "validation_failed");
  check_problem(make_key(t, R"({"name":"x","scopes":["users:read"],"expires_at":"tomorrow"})"), 422, "validation_failed");
  check_problem(make_key(t, R"({"name":"x","scopes":["users:read"],"owner":"me"})"), 422, "validation_failed");
  check_problem(send(t.port, "DELETE", "/v1/api-keys/" + regent::core::uuid_v7(), "", t.admin), 404, "not_found");
  CHECK(log_end(dev) == before);

  auto made = make_key(t, R"({"name":"ok","scopes":["users:read"]})");
  REQUIRE(made.status == 201);
  std::string key = made.str("key");
  std::string tampered = key;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  check_problem(get(t.port, "/v1/users", tampered), 401, "unauthenticated");
  check_problem(get(t.port, "/v1/users", key.substr(0, key.size() - 1)), 401, "unauthenticated");
  check_problem(get(t.port, "/v1/users", "rk_"), 401, "unauthenticated");
  // The same secret part under another tenant's id finds nothing there.
  check_problem(get(t.port, "/v1/users", key.substr(0, 3 + 43 + 1) + other.id), 401, "unauthenticated");
  // Another tenant's admin cannot revoke it: 404, and it still works.
  check_problem(send(other.port, "DELETE", "/v1/api-keys/" + made.str("id"), "", other.admin), 404, "not_found");
  CHECK(get(t.port, "/v1/users", key).status == 200);

  // A key that expires: it works until then, and is refused from then on.
  auto soon = regent::core::format_rfc3339(regent::core::now_millis() + 2000);
  auto brief = make_key(t, R"({"name":"brief","scopes":["users:read"],"expires_at":")" + soon + "\"}");
  REQUIRE_MESSAGE(brief.status == 201, brief.body);
  CHECK(brief.str("expires_at") == soon);
  CHECK(get(t.port, "/v1/users", brief.str("key")).status == 200);
  CHECK(eventually([&] { return get(t.port, "/v1/users", brief.str("key")).status == 401; }, std::chrono::seconds(10)));
}
