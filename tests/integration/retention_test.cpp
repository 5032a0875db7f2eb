// A log whose beginning is gone. librdkafka's mock cluster keeps only the newest 5 MB of each
// partition, which is what a topic with finite retention does in large: what was derived from
// offset zero can no longer be rebuilt. Every reader stops with one clear error rather than build
// a partial state, and `serve` starts from a snapshot that covers what the log still holds.
#include "events/log_reader.hpp"
#include "events/mock_cluster.hpp"
#include "events/producer.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {
constexpr const char* kTopic = "regent.events";

// Another producer's records: Regent's readers pass over them (they are no events), so they show
// that foreign records change no state, and they are large, so that the mock soon drops what came
// before them. Returns the offset after them.
int64_t foreign_records(const std::string& brokers, size_t count) {
  regent::events::Producer producer(brokers, kTopic, 10000);
  std::vector<regent::events::Record> junk(count);
  for (auto& r : junk) {
    r.key = "foreign";
    r.value.assign(512 * 1024, 'x');
  }
  auto d = producer.append(0, junk);
  REQUIRE(d.error.empty());
  return d.offsets.back() + 1;
}

// 7 MB in rounds of 1 MB, with a command of `t` after each: the writer reads each round back
// while the log still holds it (a writer that cannot read what came between its batches refuses
// them), and the beginning of the log is gone at the end.
int64_t push_out_the_beginning(const std::string& brokers, Tenant& t, const std::string& user) {
  int64_t end = 0;
  for (int round = 0; round < 7; ++round) {
    end = foreign_records(brokers, 2);
    auto r = t.credit(user, "10");
    REQUIRE_MESSAGE(r.status == 201, r.body);
  }
  return end;
}

int64_t earliest(const std::string& brokers) {
  regent::events::LogReader reader(brokers, kTopic);
  return reader.earliest_offset(0, std::chrono::seconds(5));
}

// A one-partition topic on a mock cluster of the test's own, a database, and `serve`'s settings.
struct Setup {
  regent::events::MockCluster cluster{1};
  TempDir dir;
  TestDatabase db;
  std::map<std::string, std::string> env;
  explicit Setup(const std::string& snapshot_every) {
    cluster.create_topic(kTopic, 1, 1);
    env = cluster_env(cluster.bootstraps(), 1, db.url());
    env["REGENT_SNAPSHOT_EVERY"] = snapshot_every;
  }
};
}  // namespace

TEST_CASE("serve restarted after the log's beginning was deleted starts from its snapshot") {
  Setup setup("20");
  auto& [cluster, dir, db, env] = setup;
  auto serve =
      std::make_unique<RegentProcess>(std::vector<std::string>{"serve"}, env, dir.path() + "/serve.log");
  Tenant t(serve->port(), "kept");
  std::string bob = t.add_user("bob");
  REQUIRE(t.credit(bob, "700").status == 201);

  int64_t junk_end = push_out_the_beginning(cluster.bootstraps(), t, bob);
  // Commands after the foreign records, so that a snapshot is taken past them.
  for (int i = 0; i < 25; ++i) REQUIRE(t.credit(bob, "10").status == 201);
  REQUIRE(eventually(
      [&] { return db.count("SELECT COALESCE(max(next_offset), 0) FROM command_snapshots") > junk_end; }));
  int64_t oldest = earliest(cluster.bootstraps());
  REQUIRE(oldest > 0);  // the tenant's creation is gone from the log
  int64_t snapshot = db.count("SELECT max(next_offset) FROM command_snapshots");
  REQUIRE(snapshot >= oldest);

  serve->kill9();
  serve = std::make_unique<RegentProcess>(std::vector<std::string>{"serve"}, env, dir.path() + "/serve2.log");
  t.sign_in_again(serve->port());
  // The state came from the snapshot: the balance is exact (1020), the email is still taken, and
  // only the tail after the snapshot was read.
  check_problem(t.debit(bob, "1021"), 409, "insufficient_funds");
  REQUIRE(t.debit(bob, "1020").status == 201);
  check_problem(t.debit(bob, "1"), 409, "insufficient_funds");
  check_problem(post(t.port, "/v1/users", user_body("bob@kept.test"), t.admin), 409, "email_taken");
  CHECK(metric(t.port, "regent_command_state_load_events") < double(junk_end));
  // The mock cluster cannot describe the topic's settings: said once, and the start went on.
  std::string said = serve->log_tail(1 << 20);
  std::string unchecked = "cannot describe topic configurations";
  auto first = said.find(unchecked);
  CHECK(first != std::string::npos);
  CHECK(said.find(unchecked, first + 1) == std::string::npos);
  CHECK(serve->terminate() == 0);
}

TEST_CASE(
    "without a snapshot that covers it, every reader of a truncated log stops with the same clear error") {
  Setup setup("0");
  auto& [cluster, dir, db, env] = setup;
  {
    RegentProcess serve({"serve"}, env, dir.path() + "/serve.log");
    Tenant t(serve.port(), "lost");
    push_out_the_beginning(cluster.bootstraps(), t, t.admin_id);
    REQUIRE(earliest(cluster.bootstraps()) > 0);
    // 6 MB at once: the writer can no longer read what came between its batches (a newer owner's
    // marker may have been there), so it refuses the command rather than acknowledge it.
    foreign_records(cluster.bootstraps(), 12);
    auto refused = t.credit(t.admin_id, "10");
    CHECK(refused.status == 503);
    CHECK(refused.str("code") == "unavailable");
    CHECK(serve.terminate() == 0);
  }

  // The command side cannot rebuild its state: serve refuses to start, naming the partition, the
  // offset it needs, what the log still holds, why no snapshot served and where the fix is.
  try {
    RegentProcess serve({"serve"}, env, dir.path() + "/again.log");
    FAIL("serve started on a log whose beginning is gone");
  } catch (const std::runtime_error& ex) {
    std::string said = ex.what();
    CHECK_MESSAGE(said.find("the command state of partition 0 cannot be rebuilt") != std::string::npos, said);
    CHECK_MESSAGE(said.find("snapshots are off") != std::string::npos, said);
    CHECK_MESSAGE(said.find("no longer holds offset 0") != std::string::npos, said);
    CHECK_MESSAGE(said.find("Kafka settings Regent requires") != std::string::npos, said);
  }
  // With snapshots on but none saved, it says so.
  auto with_snapshots = env;
  with_snapshots["REGENT_SNAPSHOT_EVERY"] = "1000";
  CHECK_THROWS_WITH_AS(RegentProcess({"serve"}, with_snapshots, dir.path() + "/none.log"),
                       doctest::Contains("no snapshot of it was saved"), std::runtime_error);

  // A projections worker on a fresh database: the partition stops where it is, said by /readyz
  // and `projections status`, and nothing is written to a read model.
  TestDatabase fresh;
  auto worker_env = env;
  worker_env["REGENT_PG_URL"] = fresh.url();
  {
    RegentProcess worker({"worker", "projections"}, worker_env, dir.path() + "/worker.log",
                         "regent projections worker running");
    HttpResponse ready;
    REQUIRE(eventually([&] {
      ready = get(worker.port(), "/readyz");
      return ready.status == 503 && ready.body.find("no longer holds offset 0") != std::string::npos;
    }));
    auto status = run_regent({"projections", "status"}, worker_env);
    CHECK(status.exit_code == 3);
    CHECK_MESSAGE(status.output.find("no longer holds offset 0") != std::string::npos, status.output);
    CHECK(fresh.count("SELECT count(*) FROM tenants") == 0);
    CHECK(fresh.count("SELECT COALESCE(sum(next_offset), 0) FROM projection_checkpoints") == 0);
    CHECK(worker.terminate() == 0);
  }

  // A rebuild fails, and the live model stays as it was.
  auto rebuilt = run_regent({"projections", "rebuild", "users"}, worker_env);
  CHECK(rebuilt.exit_code == 1);
  CHECK_MESSAGE(rebuilt.output.find("rebuild of users failed") != std::string::npos, rebuilt.output);
  CHECK_MESSAGE(rebuilt.output.find("no longer holds offset 0") != std::string::npos, rebuilt.output);
  CHECK(fresh.count("SELECT count(*) FROM users") == 0);
}
