// Personal data over the real parts: the log (the embedded broker read with kcat, and the
// write-ahead file under it) never carries a user's email, name, password hash, sign-in user agent
// or reasons in clear; answers and read models show them while the user's key exists; after
// POST /v1/users/{id}/erase nothing anywhere reads them — read models rebuilt from offset zero,
// the log, its write-ahead file, the command snapshots, a restart from them — while ids, roles,
// balances and the history's shape stay.
#include <algorithm>
#include <array>
#include <set>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {

// Everything kcat reads from the topic, from the beginning of each partition to its end.
std::string kcat_topic(const std::string& brokers) {
  auto [status, out] = shell("kcat -C -b " + brokers + " -t regent.events -o beginning -e -q -f '%s\\n'");
  CHECK(status == 0);
  return out;
}

// Every byte of every file under `dir` but the master key: the write-ahead file of the embedded
// log, its indexes, what the server logged.
std::string files_under(const std::string& dir) {
  std::string out;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file() || f.path().filename() == "master.key") continue;
    std::ifstream in(f.path(), std::ios::binary);
    out += std::string(std::istreambuf_iterator<char>(in), {});
  }
  return out;
}

// The tables of every schema of the database whose rows mention `needle` (any column, as text).
std::vector<std::string> tables_holding(const std::string& url, const std::string& needle) {
  pqxx::connection c(url);
  pqxx::nontransaction tx(c);
  std::vector<std::string> out;
  for (const auto& row : tx.exec("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM "
                                 "information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN "
                                 "('pg_catalog', 'information_schema')")) {
    std::string table = row[0].c_str();
    if (tx.exec_params1("SELECT count(*) FROM " + table + " t WHERE strpos(lower(t::text), lower($1)) > 0", needle)[0]
            .as<int64_t>() > 0)
      out.push_back(table);
  }
  return out;
}

}  // namespace

TEST_CASE("erasure: sealed in the log from the start, readable while the key exists, gone everywhere after") {
  DevServer dev(std::map<std::string, std::string>{{"REGENT_SNAPSHOT_EVERY", "5"}});
  int port = dev.port();
  Tenant t(port, "shred");
  std::string mark = regent::core::base64url_encode(regent::core::hmac_sha256("erasure", regent::core::uuid_v7())).substr(0, 10);
  // What must never be read in clear from the log, and nowhere once erased.
  const std::string email = "erin." + mark + "@shred.test", name = "Erin " + mark + " Quill",
                    agent = "QuillBrowser/" + mark, reason = "quarterly report " + mark;
  auto created = post(port, "/v1/users",
                      R"({"email":")" + email + R"(","full_name":")" + name + R"(","password":")" + kPassword +
                          R"(","roles":["analyst"]})",
                      t.admin);
  REQUIRE_MESSAGE(created.status == 201, created.body);
  CHECK(created.str("email") == email);  // the answer shows it: the key exists
  std::string erin = created.str("id");
  auto signed_in = post(port, "/v1/auth/login", R"({"tenant":"shred","email":")" + email + R"(","password":")" + kPassword + R"("})",
                        "", {{"User-Agent", agent}});
  REQUIRE_MESSAGE(signed_in.status == 200, signed_in.body);
  std::string erin_token = signed_in.str("access_token"), erin_refresh = signed_in.str("refresh_token");
  auto asked = post(port, "/v1/permissions", R"({"resource":"ga4:properties/1","level":"viewer","reason":")" + reason + R"("})",
                    erin_token);
  REQUIRE_MESSAGE(asked.status == 201, asked.body);
  CHECK(asked.str("reason") == reason);
  std::string permission = asked.str("id");
  const std::string note = "refund for " + name;  // a description may name someone
  auto credited = t.track(post(port, "/v1/users/" + erin + "/wallet/credits",
                               R"({"amount":1234,"description":")" + note + R"("})", t.admin));
  REQUIRE_MESSAGE(credited.status == 201, credited.body);
  CHECK(credited.str("description") == note);
  // An invitee who never joins: revoking the invitation shreds its email too.
  const std::string invitee = "ivy." + mark + "@shred.test";
  auto invited = post(port, "/v1/invitations", R"({"email":")" + invitee + R"(","roles":["viewer"]})", t.admin);
  REQUIRE_MESSAGE(invited.status == 201, invited.body);
  CHECK(invited.str("email") == invitee);
  auto revoked = send(port, "DELETE", "/v1/invitations/" + invited.str("id"), "", t.admin);
  REQUIRE_MESSAGE(revoked.status == 204, revoked.body);

  // Read models show the clear values while the key exists.
  auto shown = t.read("/v1/users/" + erin);
  REQUIRE(shown.status == 200);
  CHECK(shown.str("email") == email);
  CHECK(shown.str("full_name") == name);
  CHECK(t.read("/v1/permissions/" + permission).str("reason") == reason);
  CHECK(t.read("/v1/users/" + erin + "/wallet/transactions").body.find(note) != std::string::npos);
  // The log never held them in clear: not on the broker, not in its write-ahead file.
  const std::array<std::string, 6> secrets{email, name, agent, reason, invitee, note};
  std::string topic = kcat_topic(dev.proc->kafka());
  REQUIRE(topic.find("\"user.created\"") != std::string::npos);  // kcat did read the topic
  std::string wal = files_under(dev.dir.path());
  REQUIRE(wal.find(erin) != std::string::npos);  // and the write-ahead file holds the events
  for (const auto& s : secrets) {
    CAPTURE(s);
    CHECK(topic.find(s) == std::string::npos);
    CHECK(wal.find(s) == std::string::npos);
  }
  CHECK(topic.find("$argon2id$") == std::string::npos);
  CHECK(dev.db.count("SELECT count(*) FROM erasures WHERE kind = 'invitation'") == 1);  // the invitee's key is gone

  // Bad erasures change nothing.
  int64_t before = log_end(dev);
  t.add_user("max", R"(["manager"])");
  std::string max_token = t.token_of("max");
  int64_t before_bad = log_end(dev);
  check_problem(post(port, "/v1/users/" + erin + "/erase", "{}", max_token), 403, "forbidden");
  check_problem(post(port, "/v1/users/" + erin + "/erase", "{}", erin_token), 403, "forbidden");
  check_problem(post(port, "/v1/users/" + t.admin_id + "/erase", "{}", t.admin), 403, "forbidden");
  check_problem(post(port, "/v1/users/" + regent::core::uuid_v7() + "/erase", "{}", t.admin), 404, "not_found");
  check_problem(post(port, "/v1/users/not-a-uuid/erase", "{}", t.admin), 404, "not_found");
  check_problem(post(port, "/v1/users/" + erin + "/erase", "{}", t.admin, {{"If-Match", "\"999\""}}), 412, "version_mismatch");
  check_problem(post(port, "/v1/users/" + erin + "/erase", "{}", ""), 401, "unauthenticated");
  CHECK(log_end(dev) == before_bad);
  CHECK(before_bad == before + 2);  // max's user.created and sign-in only

  auto erased = post(port, "/v1/users/" + erin + "/erase", "", t.admin, {{"If-Match", "\"" + std::to_string(json_int(shown, {"version"})) + "\""}});
  REQUIRE_MESSAGE(erased.status == 200, erased.body);
  t.position = erased.header("regent-position");
  CHECK(erased.str("status") == "erased");
  CHECK(erased.body.find("\"email\":null") != std::string::npos);
  CHECK(erased.body.find("\"full_name\":null") != std::string::npos);
  CHECK(dev.db.count("SELECT count(*) FROM personal_data_keys WHERE user_id = '" + erin + "' AND wrapped IS NULL") == 1);
  // Erased once, erased for good: again is 200 and appends nothing.
  int64_t after = log_end(dev);
  auto again = post(port, "/v1/users/" + erin + "/erase", "", t.admin);
  CHECK(again.status == 200);
  CHECK(log_end(dev) == after);

  // It cannot sign in; its tokens stop working; its email is free for a new user.
  check_problem(post(port, "/v1/auth/login", R"({"tenant":"shred","email":")" + email + R"(","password":")" + kPassword + R"("})"),
                401, "unauthenticated");
  CHECK(get(port, "/v1/me", erin_token).status == 401);
  CHECK(post(port, "/v1/auth/refresh", R"({"refresh_token":")" + erin_refresh + R"("})").status == 401);
  // The read models: erased, its balance, roles and permission kept, its reason gone.
  auto gone = t.read("/v1/users/" + erin);
  REQUIRE(gone.status == 200);
  CHECK(gone.str("status") == "erased");
  CHECK(gone.body.find("\"email\":null") != std::string::npos);
  CHECK(gone.body.find("analyst") != std::string::npos);
  CHECK(json_int(t.read("/v1/users/" + erin + "/wallet"), {"balance"}) == 1234);
  auto moves = t.read("/v1/users/" + erin + "/wallet/transactions");
  CHECK(moves.body.find("\"amount\":1234") != std::string::npos);
  CHECK(moves.body.find("\"description\":null") != std::string::npos);
  auto closed = t.read("/v1/permissions/" + permission);
  CHECK(closed.str("status") == "rejected");
  CHECK(closed.body.find("\"reason\":null") != std::string::npos);
  CHECK(t.read("/v1/users?status=erased").body.find(erin) != std::string::npos);
  auto reused = post(port, "/v1/users", user_body(email), t.admin);
  CHECK_MESSAGE(reused.status == 201, reused.body);
  std::string newcomer = reused.str("id");

  // Rebuilt from offset zero, every read model reads the same; then nothing in Postgres, the log,
  // its write-ahead file or the snapshots holds what was erased.
  for (const auto& p : projection_names()) {
    auto r = run_regent({"projections", "rebuild", p}, dev.cli_env());
    CAPTURE(r.output);
    REQUIRE(r.exit_code == 0);
  }
  CHECK(dev.db.count("SELECT count(*) FROM command_snapshots") > 0);
  CHECK(dev.db.text("SELECT status FROM users WHERE id = '" + erin + "'") == "erased");
  CHECK(dev.db.count("SELECT count(*) FROM users WHERE id = '" + erin + "' AND email IS NULL AND full_name IS NULL") == 1);
  CHECK(dev.db.count("SELECT count(*) FROM wallets WHERE user_id = '" + erin + "' AND balance = 1234") == 1);
  topic = kcat_topic(dev.proc->kafka());
  wal = files_under(dev.dir.path());
  // The newcomer took the email: its rows may hold it; the erased user's name and the rest, nowhere.
  for (const auto& s : {name, agent, reason, invitee}) {
    CAPTURE(s);
    CHECK(tables_holding(dev.db.url(), s).empty());
    CHECK(topic.find(s) == std::string::npos);
    CHECK(wal.find(s) == std::string::npos);
  }
  auto holding = tables_holding(dev.db.url(), email);
  std::sort(holding.begin(), holding.end());
  CHECK(holding == std::vector<std::string>{"public.audit_entries", "public.users"});  // the newcomer's rows
  CHECK(dev.db.count("SELECT count(*) FROM audit_entries WHERE details::text ILIKE '%" + email + "%' AND user_id <> '" +
                     newcomer + "'") == 0);
  CHECK(dev.db.count("SELECT count(*) FROM users WHERE lower(email) = lower('" + email + "')") == 1);
  CHECK(dev.db.text("SELECT id FROM users WHERE lower(email) = lower('" + email + "')") == newcomer);

  // Restarted from its snapshots: still erased, still refused, the newcomer signs in.
  REQUIRE(dev.proc->terminate() == 0);
  dev.start();
  port = dev.port();
  t.sign_in_again(port);
  check_problem(post(port, "/v1/auth/login", R"({"tenant":"shred","email":")" + email + R"(","password":"wrong password 123"})"),
                401, "unauthenticated");
  CHECK(login(port, "shred", email).size() > 0);  // the newcomer, with the shared password
  auto after_restart = get(port, "/v1/users/" + erin, t.admin);
  CHECK(after_restart.str("status") == "erased");
  CHECK(after_restart.body.find("\"email\":null") != std::string::npos);
  for (const auto& s : {name, agent, reason, invitee}) CHECK(files_under(dev.dir.path()).find(s) == std::string::npos);
}

TEST_CASE("export: the user itself or an admin gets everything stored about it, streamed page by page") {
  DevServer dev;
  int port = dev.port();
  Tenant t(port, "export");
  std::string ann = t.add_user("ann", R"(["analyst"])"), bob = t.add_user("bob");
  std::string ann_token = t.token_of("ann"), bob_token = t.token_of("bob");
  // More transactions than one page of the export holds (500), and some of everything else.
  constexpr int kCredits = 1050;
  for (int i = 0; i < kCredits; ++i) REQUIRE(t.track(t.credit(ann, std::to_string(i + 1))).status == 201);
  REQUIRE(t.track(post(port, "/v1/permissions", R"({"resource":"ga4:properties/9","level":"viewer","reason":"to look"})",
                       ann_token)).status == 201);
  REQUIRE(t.track(t.activity("report_generation", ann_token)).status == 201);

  auto mine = get(port, "/v1/users/" + ann + "/export", ann_token, {{"Regent-Min-Position", t.position}});
  REQUIRE_MESSAGE(mine.status == 200, mine.body.substr(0, 500));
  CHECK(mine.header("transfer-encoding") == "chunked");
  CHECK(mine.header("content-type") == "application/json");
  CHECK(mine.header("content-disposition") == "attachment; filename=\"user-" + ann + ".json\"");
  auto doc = mine.json();
  REQUIRE(doc);  // one well-formed document across every chunk
  auto root = doc->root();
  CHECK(regent::core::get_text(root["user"].value(), "email") == "ann@export.test");
  CHECK(regent::core::get_text(root["user"].value(), "id") == ann);
  constexpr size_t kTransactions = kCredits + 1;  // and the activity's charge of 500
  CHECK(simdjson::dom::array(root["transactions"]).size() == kTransactions);
  CHECK(int64_t(root["wallet"]["balance"]) == kCredits * (kCredits + 1) / 2 - 500);
  CHECK(simdjson::dom::array(root["permissions"]).size() == 1);
  CHECK(simdjson::dom::array(root["activities"]).size() == 1);
  CHECK(simdjson::dom::array(root["sessions"]).size() == 1);
  // Newest first, every transaction once.
  std::set<std::string> ids;
  std::string last = "9999";
  for (auto tx : simdjson::dom::array(root["transactions"])) {
    std::string at = regent::core::get_text(tx, "created_at");
    CHECK(at <= last);
    last = at;
    ids.insert(regent::core::get_text(tx, "id"));
  }
  CHECK(ids.size() == kTransactions);

  // An admin may export anyone of the tenant; nobody else anyone but itself.
  auto by_admin = get(port, "/v1/users/" + ann + "/export", t.admin);
  CHECK(by_admin.status == 200);
  CHECK(by_admin.json());
  check_problem(get(port, "/v1/users/" + ann + "/export", bob_token), 403, "forbidden");
  CHECK(get(port, "/v1/users/" + bob + "/export", bob_token).status == 200);
  check_problem(get(port, "/v1/users/" + ann + "/export"), 401, "unauthenticated");
  check_problem(get(port, "/v1/users/" + regent::core::uuid_v7() + "/export", t.admin), 404, "not_found");
  Tenant other(port, "export-other");
  check_problem(get(port, "/v1/users/" + ann + "/export", other.admin), 404, "not_found");

  // Erased: still exportable by an admin, its personal fields null, its money intact.
  auto erased = post(port, "/v1/users/" + ann + "/erase", "", t.admin);
  REQUIRE_MESSAGE(erased.status == 200, erased.body);
  auto after = get(port, "/v1/users/" + ann + "/export", t.admin, {{"Regent-Min-Position", erased.header("regent-position")}});
  REQUIRE(after.status == 200);
  auto gone = after.json();
  REQUIRE(gone);
  CHECK(gone->root()["user"]["email"].is_null());
  CHECK(gone->root()["permissions"].at(0)["reason"].is_null());
  CHECK(simdjson::dom::array(gone->root()["transactions"]).size() == kTransactions);
  CHECK(after.body.find("ann@export.test") == std::string::npos);
}
