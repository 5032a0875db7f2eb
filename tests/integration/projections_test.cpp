// The projection engine (DESIGN.md decision 3) through the real parts: `regent worker projections`
// processes sharing the partitions of a mock cluster, workers killed at random moments, events a
// projection cannot apply, `regent projections status|rebuild|skip`, model versions, and Postgres
// restarted under load. Every comparison is against a rebuild from offset zero.
#include <fstream>
#include <atomic>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "events/event_log.hpp"
#include "events/mock_cluster.hpp"
#include "events/partitioner.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/support/private_postgres.hpp"

using namespace regent::test;
using namespace std::chrono_literals;

namespace {
const std::vector<std::string> kProjections = projection_names();
const std::vector<std::string> kReadModelTables = {"tenants",       "users",        "user_roles",  "user_counts",
                                                   "role_counts",   "wallets",      "wallet_transactions",
                                                   "wallet_totals", "revenue_daily", "activities", "activity_counts",
                                                   "permissions",   "erasures",     "audit_entries",
                                                   "audit_daily_actions", "audit_daily_actors"};

// Every read model's whole content, and the checkpoints, as text to compare two builds of them.
std::map<std::string, std::string> contents(const TestDatabase& db) {
  std::map<std::string, std::string> out;
  for (const auto& t : kReadModelTables)
    out[t] = db.text("SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM " + t + " x");
  out["checkpoints"] = db.text(
      "SELECT string_agg(projection || '/' || partition || '@' || next_offset || '~' || skipped_invalid, ' ' "
      "ORDER BY projection, partition) FROM projection_checkpoints");
  return out;
}

// Every projection has read every partition to its end.
bool caught_up(const TestDatabase& db, const std::string& kafka, int partitions) {
  regent::events::LogReader reader(kafka, "regent.events");
  for (int p = 0; p < partitions; ++p) {
    int64_t end = reader.end_offset(p, 5s);
    std::string where = " FROM projection_checkpoints WHERE partition = " + std::to_string(p);
    if (db.count("SELECT count(*)" + where) != int64_t(kProjections.size())) return false;
    if (db.count("SELECT count(*)" + where + " AND next_offset < " + std::to_string(end)) != 0) return false;
  }
  return true;
}

// The wallets projection's version of this build.
std::string wallets_version() {
  for (const auto& p : regent::projections::all_projections())
    if (p->name() == "wallets") return std::to_string(p->version());
  return "?";
}

// `regent projections rebuild` of every read model: each one replayed from offset zero by a single
// process into fresh tables and swapped in.
void rebuild_all(const std::map<std::string, std::string>& env) {
  for (const auto& name : kProjections) {
    auto r = run_regent({"projections", "rebuild", name}, env);
    CAPTURE(r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("rebuilt " + name) != std::string::npos);
  }
}

// Credits users of a tenant from several threads until stopped (or `limit` credits per thread,
// one every `pace` at most), each under an Idempotency-Key and retried until acknowledged; keeps
// what was acknowledged per user.
struct Load {
  Tenant& tenant;
  std::vector<std::string> users;
  std::function<int()> port;
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::mutex mu;
  std::map<std::string, int64_t> credited;
  std::vector<std::thread> threads;

  Load(Tenant& t, std::vector<std::string> us, std::function<int()> p, int n_threads, int limit = 1 << 30,
       std::chrono::milliseconds pace = 0ms)
      : tenant(t), users(std::move(us)), port(std::move(p)) {
    for (int i = 0; i < n_threads; ++i)
      threads.emplace_back([this, i, limit, pace] {
        for (int k = 0; !stop && k < limit; ++k) {
          auto next = std::chrono::steady_clock::now() + pace;
          const std::string& user = users[size_t(k + i) % users.size()];
          int64_t amount = 1 + (k * 7 + i) % 50;
          std::string key = tenant.slug + "-" + std::to_string(i) + "-" + std::to_string(k);
          bool done = eventually([&] {
            try {
              auto r = post(port(), "/v1/users/" + user + "/wallet/credits", R"({"amount":)" + std::to_string(amount) + "}",
                            tenant.admin, {{"Idempotency-Key", key}});
              return r.status == 201;
            } catch (const std::exception&) {
              return false;
            }
          }, 30s);
          if (!done) break;
          {
            std::lock_guard lock(mu);
            credited[user] += amount;
            ++acknowledged;
          }
          std::this_thread::sleep_until(next);  // a steady rate, not a wait for anything
        }
      });
  }
  void finish() {
    stop = true;
    for (auto& t : threads) t.join();
  }
};

// A late event of a writer that lost its partition, as a paused owner appends it: a credit in the
// tenant's partition under a writer and epoch that claimed nothing there. Returns its id.
std::string append_stale(regent::events::EventLog& log, const Tenant& t, int partitions) {
  regent::events::Envelope e;
  e.id = regent::core::uuid_v7();
  e.source = "/tenants/" + t.id;
  e.type = "wallet.credited";
  e.subject = "users/" + t.admin_id + "/wallet";
  e.time = regent::core::format_rfc3339(regent::core::now_millis());
  e.tenant_id = t.id;
  e.actor_id = t.admin_id;
  e.actor_type = "user";
  e.data = R"({"user_id":")" + t.admin_id + R"(","transaction_id":")" + regent::core::uuid_v7() +
           R"(","amount":"555","balance":"555","currency":"EUR"})";
  e.writer_id = "stale-writer";
  e.writer_epoch = 1;
  auto record = regent::events::make_record(t.id, e.type, e.id, t.id, regent::events::to_json(e));
  auto offsets = log.append(regent::events::partition_for(t.id, partitions), {record});
  REQUIRE(offsets);
  return e.id;
}

// The log's events by their readers' verdict.
struct Verdicts {
  std::set<std::string> valid;  // of a tenant (what the audit trail has an entry for)
  std::set<std::string> invalid;
};
Verdicts judge_log(const std::string& kafka, int partitions) {
  Verdicts out;
  for (int p = 0; p < partitions; ++p)
    for (const auto& [e, verdict] : read_through_fence(kafka, p).records) {
      if (verdict == regent::events::Verdict::invalid) out.invalid.insert(e.id);
      else if (verdict == regent::events::Verdict::valid && !e.tenant_id.empty()) out.valid.insert(e.id);
    }
  return out;
}

int64_t read_model_balance(const TestDatabase& db, const std::string& user) {
  return db.count("SELECT coalesce((SELECT balance FROM wallets WHERE user_id = '" + user + "'), -1)");
}
}  // namespace

TEST_CASE("three projection workers share the partitions, survive SIGKILL at random moments, audit each valid event once, and equal a rebuild from zero") {
  constexpr int kPartitions = 6;
  regent::events::MockCluster kafka{1};
  kafka.create_topic("regent.events", kPartitions, 1);
  TempDir dir;
  TestDatabase db;
  auto env = cluster_env(kafka.bootstraps(), kPartitions, db.url());
  RegentProcess serve({"serve"}, env, dir.path() + "/serve.log");
  int generation = 0;
  auto start_worker = [&] {
    return std::make_unique<RegentProcess>(std::vector<std::string>{"worker", "projections"}, env,
                                           dir.path() + "/worker" + std::to_string(generation++) + ".log",
                                           "regent projections worker running");
  };
  std::vector<std::unique_ptr<RegentProcess>> workers;
  for (int i = 0; i < 3; ++i) workers.push_back(start_worker());
  auto assigned = [&](size_t i) {
    try {
      return int(metric(workers[i]->port(), "regent_projection_partitions_assigned"));
    } catch (const std::exception&) {
      return -1;
    }
  };
  // The group shares the partitions out: each worker has some, and together exactly all.
  CHECK(eventually([&] {
    int total = 0;
    for (size_t i = 0; i < workers.size(); ++i) {
      int n = assigned(i);
      if (n < 1) return false;
      total += n;
    }
    return total == kPartitions;
  }, 60s));

  std::vector<std::unique_ptr<Tenant>> tenants;
  std::vector<std::unique_ptr<Load>> loads;
  // A steady, bounded load: the mock cluster keeps only the last 5 MB of each partition, and the
  // rebuilds at the end read from offset zero.
  for (int i = 0; i < 6; ++i) {
    tenants.push_back(std::make_unique<Tenant>(serve.port(), "scale" + std::to_string(i)));
    std::vector<std::string> users{tenants.back()->admin_id, tenants.back()->add_user("ann"), tenants.back()->add_user("bob")};
    loads.push_back(std::make_unique<Load>(*tenants.back(), users, [&] { return serve.port(); }, 1, 1500, 20ms));
  }
  auto applied = [&] { return db.count("SELECT coalesce(sum(next_offset), 0) FROM projection_checkpoints WHERE projection = 'wallets'"); };

  std::vector<std::string> ann_tokens;
  for (auto& t : tenants) ann_tokens.push_back(t->token_of("ann"));
  // Permission requests and their decisions between the kills, so that that read model is under
  // them too: one approved (and every other one revoked), one rejected, per tenant each time.
  auto permission_traffic = [&](int round) {
    for (size_t i = 0; i < tenants.size(); ++i) {
      int port = serve.port();
      std::string body = R"({"resource":"ga4:properties/)" + std::to_string(round) + R"(","level":"viewer","reason":"r"})";
      auto granted = post(port, "/v1/permissions", body, ann_tokens[i]);
      REQUIRE_MESSAGE(granted.status == 201, granted.body);
      body.replace(body.find("viewer"), 6, "editor");
      auto refused = post(port, "/v1/permissions", body, ann_tokens[i]);
      REQUIRE_MESSAGE(refused.status == 201, refused.body);
      const std::string& admin = tenants[i]->admin;
      CHECK(post(port, "/v1/permissions/" + granted.str("id") + "/approve", "{}", admin).status == 200);
      CHECK(post(port, "/v1/permissions/" + refused.str("id") + "/reject", R"({"reason":"no"})", admin).status == 200);
      if (round % 2) CHECK(post(port, "/v1/permissions/" + granted.str("id") + "/revoke", "{}", admin).status == 200);
    }
  };

  // A writer that lost its partitions appends late: its events are in the log, and count for nobody.
  regent::core::Config stale_config;
  stale_config.kafka_brokers = kafka.bootstraps();
  stale_config.kafka_partitions = kPartitions;
  regent::events::EventLog stale_log(stale_config);
  std::set<std::string> stale;

  // Kills at moments the test does not choose: after some progress, a random delay.
  std::mt19937 rng(std::random_device{}());
  for (int kill = 0; kill < 4; ++kill) {
    permission_traffic(kill);
    for (auto& t : tenants) stale.insert(append_stale(stale_log, *t, kPartitions));
    int64_t before = applied();
    REQUIRE(eventually([&] { return applied() >= before + 40; }, 60s));
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 400));
    size_t victim = rng() % workers.size();
    MESSAGE("SIGKILL of worker " << victim << " at " << applied() << " applied offsets");
    workers[victim]->kill9();
    workers[victim] = start_worker();
  }
  int acknowledged = 0;
  for (auto& l : loads) {
    l->finish();
    acknowledged += l->acknowledged;
  }
  MESSAGE(acknowledged << " credits acknowledged under the kills");
  REQUIRE(acknowledged > 100);
  bool converged = eventually([&] { return caught_up(db, kafka.bootstraps(), kPartitions); }, 60s);
  if (!converged) {
    std::string logs = run_regent({"projections", "status"}, env).output;
    for (auto& w : workers) logs += "--- worker\n" + w->log_tail(3000);
    FAIL(logs);
  }

  // Exactly once: every acknowledged credit is in the read model, none twice, nothing stalled.
  for (auto& l : loads)
    for (const auto& [user, sum] : l->credited) CHECK(read_model_balance(db, user) == sum);
  CHECK(db.count("SELECT count(*) FROM wallet_transactions") == acknowledged);
  CHECK(db.count("SELECT count(*) FROM projection_checkpoints WHERE stalled_offset IS NOT NULL") == 0);
  // Each permission once, where its last decision left it (rounds 1 and 3 revoked theirs).
  CHECK(db.count("SELECT count(*) FROM permissions") == 48);
  CHECK(db.count("SELECT count(*) FROM permissions WHERE status = 'approved' AND version = 2") == 12);
  CHECK(db.count("SELECT count(*) FROM permissions WHERE status = 'revoked' AND version = 3") == 12);
  CHECK(db.count("SELECT count(*) FROM permissions WHERE status = 'rejected' AND decision_reason = 'no'") == 24);
  // The audit trail is the log's valid events: each once, none missing, none of the stale writer's.
  auto judged = judge_log(kafka.bootstraps(), kPartitions);
  for (const auto& id : stale) CHECK(judged.invalid.count(id) == 1);
  std::set<std::string> audited;
  {
    std::istringstream ids(db.text("SELECT string_agg(id::text, ' ') FROM audit_entries"));
    for (std::string id; ids >> id;) audited.insert(id);
  }
  CHECK(db.count("SELECT count(*) FROM audit_entries") == int64_t(judged.valid.size()));
  CHECK(audited == judged.valid);
  std::vector<std::string> missing, extra;
  std::set_difference(judged.valid.begin(), judged.valid.end(), audited.begin(), audited.end(), std::back_inserter(missing));
  std::set_difference(audited.begin(), audited.end(), judged.valid.begin(), judged.valid.end(), std::back_inserter(extra));
  CAPTURE(missing.size());
  CAPTURE(extra.size());
  for (const auto& id : stale) CHECK(audited.count(id) == 0);
  // And its daily counts are its entries counted, under the kills as well.
  CHECK(db.count("SELECT count(*) FROM (SELECT tenant_id, (at AT TIME ZONE 'UTC')::date AS day, action, count(*) AS n "
                 "FROM audit_entries GROUP BY 1, 2, 3) e FULL JOIN audit_daily_actions d USING (tenant_id, day, action) "
                 "WHERE e.n IS DISTINCT FROM d.n") == 0);
  CHECK(db.count("SELECT count(*) FROM (SELECT tenant_id, (at AT TIME ZONE 'UTC')::date AS day, actor_type, "
                 "COALESCE(actor_id, '') AS actor_id, count(*) AS n FROM audit_entries GROUP BY 1, 2, 3, 4) e "
                 "FULL JOIN audit_daily_actors d USING (tenant_id, day, actor_type, actor_id) WHERE e.n IS DISTINCT FROM d.n") == 0);
  MESSAGE(audited.size() << " audit entries, one per valid event; " << judged.invalid.size() << " invalid events skipped");

  // And the same as one process replaying everything from offset zero.
  auto live = contents(db);
  rebuild_all(env);
  auto rebuilt = contents(db);
  for (const auto& [table, digest] : live) {
    CAPTURE(table);
    CHECK(rebuilt[table] == digest);
  }

  // A worker's /readyz says when one of its projections is stuck, and which event holds it.
  auto ready = [&](size_t i) { return get(workers[i]->port(), "/readyz"); };
  for (size_t i = 0; i < workers.size(); ++i) CHECK(ready(i).status == 200);
  check_problem(get(workers[0]->port(), "/v1/users"), 404, "not_found");  // a worker serves no API
  db.exec("ALTER TABLE wallet_transactions ADD CONSTRAINT poison_for_test CHECK (amount <> 777) NOT VALID");
  REQUIRE(tenants[0]->credit(tenants[0]->admin_id, "777").status == 201);
  auto stuck = [&] {
    for (size_t i = 0; i < workers.size(); ++i) {
      auto r = ready(i);
      if (r.status == 503 && r.body.find("wallets partition") != std::string::npos &&
          r.body.find("wallet.credited") != std::string::npos)
        return true;
    }
    return false;
  };
  CHECK(eventually(stuck));
  db.exec("ALTER TABLE wallet_transactions DROP CONSTRAINT poison_for_test");
  CHECK(eventually([&] {
    for (size_t i = 0; i < workers.size(); ++i)
      if (ready(i).status != 200) return false;
    return true;
  }));

  // A worker stopped with SIGTERM commits what it holds, leaves the group and exits 0; the others
  // take its partitions and carry on.
  CHECK(workers.back()->terminate() == 0);
  workers.pop_back();
  CHECK(eventually([&] { return assigned(0) + assigned(1) == kPartitions; }, 30s));
  REQUIRE(tenants[1]->credit(tenants[1]->admin_id, "3").status == 201);
  CHECK(eventually([&] { return caught_up(db, kafka.bootstraps(), kPartitions); }));
}

TEST_CASE("an event a projection cannot apply stalls its partition, is named, resumes once fixed, or is parked by an operator") {
  DevServer dev;
  int port = dev.port();
  Tenant t(port, "poison");
  std::string ann = t.add_user("ann");
  int32_t stuck = regent::events::partition_for(t.id, DevServer::kPartitions);
  // A tenant on another partition, which must not be held up.
  std::unique_ptr<Tenant> other;
  for (int i = 0; !other; ++i) {
    auto candidate = std::make_unique<Tenant>(port, "elsewhere" + std::to_string(i));
    if (regent::events::partition_for(candidate->id, DevServer::kPartitions) != stuck) other = std::move(candidate);
  }
  std::map<std::string, std::string> cli = dev.cli_env();
  const std::string series =
      "regent_projection_stalled{partition=\"" + std::to_string(stuck) + "\",projection=\"wallets\"}";
  auto stalled_at = [&] {
    return dev.db.count("SELECT coalesce((SELECT stalled_offset FROM projection_checkpoints WHERE projection = 'wallets' "
                        "AND partition = " + std::to_string(stuck) + "), -1)");
  };

  // A constraint the read model's SQL does not expect: the projection cannot apply a credit of 777.
  dev.db.exec("ALTER TABLE wallet_transactions ADD CONSTRAINT poison_for_test CHECK (amount <> 777) NOT VALID");
  REQUIRE(t.credit(ann, "777").status == 201);  // the write side is not concerned
  REQUIRE(t.credit(ann, "5").status == 201);
  REQUIRE(eventually([&] { return stalled_at() >= 0; }));
  int64_t offset = stalled_at();
  std::string where = " FROM projection_checkpoints WHERE projection = 'wallets' AND partition = " + std::to_string(stuck);
  CHECK(dev.db.count("SELECT next_offset" + where) == offset);  // the checkpoint stays before it
  CHECK(dev.db.text("SELECT stalled_event_type" + where) == "wallet.credited");
  CHECK(dev.db.text("SELECT stalled_error" + where).find("poison_for_test") != std::string::npos);
  std::string event_id = dev.db.text("SELECT stalled_event_id" + where);
  CHECK(dev.proc->log_tail(20000).find(event_id) != std::string::npos);  // the error names the event
  CHECK(read_model_balance(dev.db, ann) == 0);  // neither the poison nor what follows it
  // The other projections, and the other partitions of this one, go on.
  CHECK(eventually([&] {
    return dev.db.count("SELECT next_offset FROM projection_checkpoints WHERE projection = 'users' AND partition = " +
                        std::to_string(stuck)) > offset;
  }));
  REQUIRE(other->credit(other->admin_id, "9").status == 201);
  auto elsewhere = other->read("/v1/users/" + other->admin_id + "/wallet");
  CHECK_MESSAGE(elsewhere.status == 200, elsewhere.body);
  CHECK(json_int(elsewhere, {"balance"}) == 9);
  // Said by /metrics, /readyz and `projections status`.
  CHECK(metric(port, series) == 1);
  // How far behind, in events and in time: the age of what it last applied grows while it waits.
  const std::string where_labels = "{partition=\"" + std::to_string(stuck) + "\",projection=\"wallets\"}";
  CHECK(eventually([&] { return metric(port, "regent_projection_lag" + where_labels) >= 2; }));
  double age = metric(port, "regent_projection_lag_seconds" + where_labels);
  CHECK(age > 0);
  CHECK(eventually([&] { return metric(port, "regent_projection_lag_seconds" + where_labels) >= age + 1; }));
  auto ready = get(port, "/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.body.find("\"projections\":false") != std::string::npos);
  CHECK(ready.body.find(event_id) != std::string::npos);
  auto status = run_regent({"projections", "status"}, cli);
  CAPTURE(status.output);
  CHECK(status.exit_code == 3);
  CHECK(status.output.find("STALLED at offset " + std::to_string(offset)) != std::string::npos);

  // Only exactly the stalled event can be parked, with a reason.
  auto p = std::to_string(stuck), o = std::to_string(offset);
  auto refused = run_regent({"projections", "skip", "wallets", "--partition", p, "--offset", std::to_string(offset + 1),
                             "--reason", "x"}, cli);
  CHECK(refused.exit_code == 1);
  CHECK(refused.output.find("is stalled at offset " + o) != std::string::npos);
  auto calm = std::to_string(regent::events::partition_for(other->id, DevServer::kPartitions));
  refused = run_regent({"projections", "skip", "wallets", "--partition", calm, "--offset", "0", "--reason", "x"}, cli);
  CHECK(refused.exit_code == 1);
  CHECK(refused.output.find("is not stalled") != std::string::npos);
  CHECK(run_regent({"projections", "skip", "wallet", "--partition", p, "--offset", o, "--reason", "x"}, cli).exit_code == 2);
  CHECK(run_regent({"projections", "skip", "wallets", "--partition", p, "--offset", o}, cli).exit_code == 2);
  CHECK(run_regent({"projections", "skip", "wallets", "--partition", "x", "--offset", o, "--reason", "x"}, cli).exit_code == 2);
  CHECK(dev.db.count("SELECT count(*) FROM projection_dead_letters") == 0);

  // Fixed (the constraint dropped): it resumes by itself and applies everything, once.
  dev.db.exec("ALTER TABLE wallet_transactions DROP CONSTRAINT poison_for_test");
  CHECK(eventually([&] { return stalled_at() < 0 && read_model_balance(dev.db, ann) == 782; }));
  CHECK(metric(port, series) == 0);
  CHECK(eventually([&] { return metric(port, "regent_projection_lag_seconds" + where_labels) == 0; }));
  CHECK(get(port, "/readyz").body.find("\"projections\":true") != std::string::npos);

  // Stalled again; this time an operator parks the event and the projection moves past it.
  dev.db.exec("ALTER TABLE wallet_transactions ADD CONSTRAINT poison_for_test CHECK (amount <> 777) NOT VALID");
  REQUIRE(t.credit(ann, "777").status == 201);
  auto last = t.credit(ann, "1");
  REQUIRE(last.status == 201);
  REQUIRE(eventually([&] { return stalled_at() >= 0; }));
  offset = stalled_at();
  event_id = dev.db.text("SELECT stalled_event_id" + where);
  auto parked = run_regent({"projections", "skip", "wallets", "--partition", p, "--offset", std::to_string(offset),
                            "--reason", "refunded by hand, ticket 42"}, cli);
  CAPTURE(parked.output);
  CHECK(parked.exit_code == 0);
  // On its next retry (within seconds) the projection passes over the parked event.
  CHECK(eventually([&] { return stalled_at() < 0; }));
  auto after = t.read("/v1/users/" + ann + "/wallet");  // waits for the last credit's position
  CHECK_MESSAGE(after.status == 200, after.body);
  CHECK(json_int(after, {"balance"}) == 783);  // the parked 777 is not in the read model
  CHECK(dev.db.text("SELECT event_id || ' ' || reason FROM projection_dead_letters") ==
        event_id + " refunded by hand, ticket 42");
  CHECK(metric(port, "regent_projection_parked_passed_total{projection=\"wallets\"}") == 1);
  status = run_regent({"projections", "status"}, cli);
  CHECK(status.exit_code == 0);
  CHECK(status.output.find("dead letters: 1") != std::string::npos);
  CHECK(status.output.find("refunded by hand, ticket 42") != std::string::npos);
  // A rebuild passes over the parked event too, and only over it.
  dev.db.exec("ALTER TABLE wallet_transactions DROP CONSTRAINT poison_for_test");
  auto rebuilt = run_regent({"projections", "rebuild", "wallets"}, cli);
  CHECK_MESSAGE(rebuilt.exit_code == 0, rebuilt.output);
  CHECK(read_model_balance(dev.db, ann) == 783);
}

TEST_CASE("read models built from another log stop their projections instead of skipping what this log holds") {
  DevServer dev;
  Tenant first(dev.port(), "first-log");
  first.add_user("ann");
  REQUIRE(first.read("/v1/users").status == 200);
  REQUIRE(dev.proc->terminate() == 0);
  // A fresh embedded log (another data folder) with the same database: the checkpoints there were
  // written while reading the first log. The second log grows past them.
  TempDir other;
  std::ifstream kept(dev.dir.path() + "/jwt.key");
  std::string jwt_secret((std::istreambuf_iterator<char>(kept)), {});
  while (!jwt_secret.empty() && std::isspace(static_cast<unsigned char>(jwt_secret.back()))) jwt_secret.pop_back();
  RegentProcess second({"dev"},
                       {{"REGENT_DATA_DIR", other.path()},
                        // What the database's data keys and blind indexes were made under.
                        {"REGENT_MASTER_KEY_FILE", dev.dir.path() + "/master.key"},
                        {"REGENT_JWT_SECRET", jwt_secret},
                        {"REGENT_PG_URL", dev.db.url()},
                        {"REGENT_HTTP_PORT", "0"},
                        {"REGENT_KAFKA_PARTITIONS", std::to_string(DevServer::kPartitions)},
                        {"REGENT_BOOTSTRAP_EMAIL", kRootEmail},
                        {"REGENT_BOOTSTRAP_PASSWORD", kRootPassword}},
                       other.path() + "/regent.log");
  Tenant again(second.port(), "first-log");  // the same commands, other event ids
  again.add_user("ann");
  CHECK(eventually([&] {
    return dev.db.count("SELECT count(*) FROM projection_checkpoints WHERE stalled_error LIKE '%another log%'") > 0;
  }));
  // Nothing of the second log was applied on top of the first one's checkpoints.
  CHECK(dev.db.count("SELECT count(*) FROM tenants WHERE id = '" + again.id + "'") == 0);
  auto status = run_regent({"projections", "status"}, {{"REGENT_PG_URL", dev.db.url()}, {"REGENT_KAFKA_BROKERS", second.kafka()}});
  CHECK(status.exit_code == 3);
  CHECK(status.output.find("another log") != std::string::npos);
}

TEST_CASE("a rebuild replays into fresh tables while queries keep reading the old ones, then swaps them in") {
  DevServer dev;
  int port = dev.port();
  Tenant t(port, "rebuild");
  std::string ann = t.add_user("ann"), bob = t.add_user("bob");
  REQUIRE(t.credit(ann, "100").status == 201);
  REQUIRE(t.debit(ann, "30").status == 201);
  REQUIRE(t.read("/v1/users/" + ann + "/wallet").status == 200);
  auto indexes = [&] {
    return dev.db.text("SELECT string_agg(tablename || '.' || indexname, ' ' ORDER BY tablename, indexname) FROM pg_indexes "
                       "WHERE schemaname = 'public' AND tablename IN ('wallets', 'wallet_transactions', 'wallet_totals', 'revenue_daily')");
  };
  std::string indexes_before = indexes();
  std::string built_before = dev.db.text("SELECT built_at FROM projection_models WHERE projection = 'wallets'");
  // Damage the live model: the rebuild must not read it, only replace it.
  dev.db.exec("UPDATE wallets SET balance = balance + 1000000 WHERE user_id = '" + ann + "'");
  auto damaged = get(port, "/v1/users/" + ann + "/wallet", t.admin);
  REQUIRE(json_int(damaged, {"balance"}) == 1000070);

  // Queries and commands all along.
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, failed_reads{0};
  std::string failure;
  std::thread reader([&] {
    while (!stop) {
      auto r = get(port, "/v1/users/" + ann + "/wallet", t.admin);
      ++reads;
      if (r.status != 200) ++failed_reads, failure = r.body;
    }
  });
  Load load(t, {bob}, [&] { return port; }, 2);
  REQUIRE(eventually([&] { return load.acknowledged >= 20; }));
  auto r = run_regent({"projections", "rebuild", "wallets"},
                      dev.cli_env());
  CAPTURE(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("rebuilt wallets (version " + wallets_version() + ") and swapped it in") != std::string::npos);
  REQUIRE(eventually([&] { return load.acknowledged >= 40; }));  // and after the swap
  load.finish();
  stop = true;
  reader.join();
  CHECK_MESSAGE(failed_reads == 0, failure);
  MESSAGE(reads.load() << " reads and " << load.acknowledged.load() << " credits during the rebuild");

  REQUIRE(eventually([&] { return caught_up(dev.db, dev.proc->kafka(), DevServer::kPartitions); }));
  CHECK(read_model_balance(dev.db, ann) == 70);  // the damage is gone
  CHECK(read_model_balance(dev.db, bob) == load.credited[bob]);  // every credit, once
  CHECK(dev.db.count("SELECT count(*) FROM wallet_transactions WHERE user_id = '" + bob + "'") == load.acknowledged);
  CHECK(indexes() == indexes_before);  // later migrations can keep naming them
  CHECK(dev.db.text("SELECT built_at FROM projection_models WHERE projection = 'wallets'") != built_before);
  CHECK(dev.db.count("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'regent_rebuild%'") == 0);
  // Commands an operator mistyped are refused before anything is touched.
  std::map<std::string, std::string> cli = dev.cli_env();
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"projections", "rebuild", "nothing"}, {"projections", "rebuild"}, {"projections", "rebuild", "--reason"},
           {"projections", "replay"}, {"projections"}}) {
    auto refused = run_regent(bad, cli);
    CAPTURE(refused.output);
    CHECK(refused.exit_code == 2);
  }
  CHECK(dev.db.count("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'regent_rebuild%'") == 0);
}

TEST_CASE("a read model built by an older projection version is rebuilt at start, one built by a newer version is left alone") {
  DevServer dev;
  Tenant t(dev.port(), "versions");
  REQUIRE(t.credit(t.admin_id, "500").status == 201);
  REQUIRE(t.activity("form_download", t.admin).status == 201);  // costs 100
  REQUIRE(t.read("/v1/users/" + t.admin_id + "/wallet").status == 200);
  REQUIRE(t.read("/v1/activities").status == 200);
  REQUIRE(dev.proc->terminate() == 0);

  // As after a migration that changed the wallets model (and bumped its version in the code), and
  // a downgrade below the version of the activities model.
  dev.db.exec("UPDATE projection_models SET version = 0 WHERE projection = 'wallets'");
  dev.db.exec("UPDATE wallets SET balance = 999 WHERE user_id = '" + t.admin_id + "'");
  dev.db.exec("UPDATE projection_models SET version = 99 WHERE projection = 'activities'");
  long long activities = dev.db.count("SELECT count(*) FROM activities");
  dev.start();
  t.sign_in_again(dev.port());
  CHECK(eventually([&] {
    return std::to_string(dev.db.count("SELECT version FROM projection_models WHERE projection = 'wallets'")) == wallets_version() &&
           read_model_balance(dev.db, t.admin_id) == 400;
  }));
  CHECK(dev.proc->log_tail(30000).find("rebuild swapped in") != std::string::npos);
  REQUIRE(t.activity("form_download", t.admin).status == 201);
  REQUIRE(t.credit(t.admin_id, "1").status == 201);
  CHECK(eventually([&] { return read_model_balance(dev.db, t.admin_id) == 301; }));
  CHECK(dev.db.count("SELECT count(*) FROM activities") == activities);  // not touched
  CHECK(dev.db.count("SELECT version FROM projection_models WHERE projection = 'activities'") == 99);
  CHECK(dev.proc->log_tail(30000).find("built by a newer version") != std::string::npos);
  auto refused = run_regent({"projections", "rebuild", "activities"},
                            dev.cli_env());
  CHECK(refused.exit_code == 1);
  CHECK(refused.output.find("newer than this binary") != std::string::npos);
  CHECK(dev.db.count("SELECT version FROM projection_models WHERE projection = 'activities'") == 99);
}

TEST_CASE("Postgres restarted under load: projections pause, reconnect and end equal to a rebuild from zero") {
  PrivatePostgres pg;
  TempDir dir;
  auto dev = dev_on(pg.url(), dir);
  int port = dev->port();
  Tenant t(port, "pgfault");
  std::vector<std::string> users{t.admin_id, t.add_user("ann"), t.add_user("bob")};
  Load load(t, users, [&] { return port; }, 3);
  for (int restart = 0; restart < 2; ++restart) {
    int before = load.acknowledged;
    REQUIRE(eventually([&] { return load.acknowledged >= before + 50; }));
    pg.restart();
  }
  int before = load.acknowledged;
  REQUIRE(eventually([&] { return load.acknowledged >= before + 50; }));
  load.finish();
  CHECK(metric(port, "regent_projection_failures_total{projection=\"wallets\"}") >= 1);  // it did see the restarts

  // TestDatabase-like reads on the private server.
  struct {
    std::string url;
    long long count(const std::string& sql) const {
      pqxx::connection c(url);
      pqxx::read_transaction tx(c);
      return tx.exec1(sql)[0].as<long long>();
    }
  } db{pg.url()};
  CHECK(eventually([&] {
    regent::events::LogReader reader(dev->kafka(), "regent.events");
    long long behind = 0;
    for (int p = 0; p < 3; ++p)
      behind += db.count("SELECT count(*) FROM projection_checkpoints WHERE partition = " + std::to_string(p) +
                         " AND next_offset < " + std::to_string(reader.end_offset(p, 5s)));
    return behind == 0;
  }, 60s));
  for (const auto& [user, sum] : load.credited)
    CHECK(db.count("SELECT balance FROM wallets WHERE user_id = '" + user + "'") == sum);
  CHECK(db.count("SELECT count(*) FROM wallet_transactions") == load.acknowledged);
  // Queries work again too (the API's pool reconnects).
  auto read = get(port, "/v1/users/" + users[1] + "/wallet", t.admin);
  CHECK_MESSAGE(read.status == 200, read.body);
  CHECK(json_int(read, {"balance"}) == load.credited[users[1]]);

  auto table = [&](const std::string& t) {
    pqxx::connection c(pg.url());
    pqxx::read_transaction tx(c);
    return tx.exec1("SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM " + t + " x")[0]
        .as<std::string>();
  };
  std::map<std::string, std::string> live;
  for (const auto& name : kReadModelTables) live[name] = table(name);
  rebuild_all({{"REGENT_PG_URL", pg.url()}, {"REGENT_KAFKA_BROKERS", dev->kafka()}, {"REGENT_MASTER_KEY_FILE", dir.path() + "/master.key"}});
  for (const auto& name : kReadModelTables) {
    CAPTURE(name);
    CHECK(table(name) == live[name]);
  }
}
