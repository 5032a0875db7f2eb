// The command processor against the Kafka protocol (a mock cluster hosted by the test): what a
// success stands on when the log fails under load, and what it costs to get one.
#include <atomic>
#include <condition_variable>
#include <set>
#include <thread>

#include "commands/processor.hpp"
#include "commands/snapshot.hpp"
#include "commands/snapshot_store.hpp"
#include "core/metrics.hpp"
#include "events/event_log.hpp"
#include "events/log_reader.hpp"
#include "events/mock_cluster.hpp"
#include "projections/migrations.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/test_database.hpp"
#include "tests/unit/domain_helpers.hpp"

using namespace regent;
namespace test = regent::test;
using namespace std::chrono_literals;

namespace {
// Processors of these tests seal personal fields under one key for every user.
commands::ProcessorOptions sealing() {
  commands::ProcessorOptions o;
  o.data_key = [](const std::string&) { return std::optional<std::string>(std::string(32, 'k')); };
  return o;
}

struct Kafka {
  events::MockCluster cluster{1};
  core::Config config;
  std::unique_ptr<events::EventLog> log;

  explicit Kafka(int partitions = 1) {
    cluster.create_topic("regent.events", partitions, 1);
    config.kafka_brokers = cluster.bootstraps();
    config.kafka_partitions = partitions;
    config.kafka_timeout_ms = 1500;
    log = std::make_unique<events::EventLog>(config);
  }
};

commands::Context now(commands::Context ctx) {
  ctx.now = core::now_millis();
  return ctx;
}

double counter(const std::string& name) {
  std::string text = core::Metrics::global().render();
  auto at = text.find("\n" + name + " ");
  return at == std::string::npos ? 0 : std::stod(text.substr(at + name.size() + 2));
}

int64_t log_end(events::EventLog& log, int32_t partition = 0) {
  events::LogReader reader(log.brokers(), log.topic());
  return reader.end_offset(partition, std::chrono::seconds(5));
}

std::set<std::string> user_ids(const commands::Processor& p, const core::TenantId& tenant) {
  std::set<std::string> ids;
  p.read(p.partition_of(tenant), [&](const commands::PartitionState& s) {
    for (const auto& [id, u] : s.tenant(tenant)->users) ids.insert(id.value);
  });
  return ids;
}

// Threads that stop and are joined however the test ends.
struct Threads {
  std::atomic<bool> stop{false};
  std::vector<std::thread> all;
  template <class F>
  void spawn(F f) { all.emplace_back(std::move(f)); }
  void join() {
    stop = true;
    for (auto& t : all)
      if (t.joinable()) t.join();
  }
  ~Threads() { join(); }
};

// Counts outcomes from many threads and lets the test wait for a condition on them.
struct Outcomes {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> acknowledged;
  int unavailable = 0;
  std::vector<std::string> unexpected;

  void add(const core::Result<commands::Committed>& r, const std::string& id) {
    std::lock_guard lock(mu);
    if (r) acknowledged.push_back(id);
    else if (r.error().code == core::errc::unavailable) ++unavailable;
    else unexpected.push_back(r.error().detail);
    cv.notify_all();
  }
  template <class Pred>
  bool wait_for(Pred pred, std::chrono::seconds timeout = 60s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return pred(*this); });
  }
};

// `n` user creations submitted at once, each from its own thread.
void create_at_once(commands::Processor& proc, const core::TenantId& tenant, const std::string& prefix, int n,
                    Outcomes& out) {
  Threads threads;
  for (int t = 0; t < n; ++t)
    threads.spawn([&, t] {
      auto c = testing::user(tenant, prefix + std::to_string(t) + "@acme.test");
      out.add(proc.submit(0, c, now(testing::admin_ctx())), c.user_id.value);
    });
  threads.join();
}
}  // namespace

TEST_CASE("while the log is down commands fail with 503, every success is in the log, and it recovers by itself") {
  Kafka kafka;
  commands::ProcessorOptions options = sealing();
  options.retry_after_failure = 300ms;
  commands::Processor proc(*kafka.log, "writer-a", options);
  proc.start(); proc.acquire_all();
  auto tenant = testing::acme();
  REQUIRE(proc.submit(0, tenant, now({})).ok());

  Outcomes out;
  Threads threads;
  for (int t = 0; t < 8; ++t)
    threads.spawn([&, t] {
      for (int i = 0; !threads.stop; ++i) {
        auto c = testing::user(tenant.tenant_id, "u" + std::to_string(t) + "-" + std::to_string(i) + "@acme.test");
        out.add(proc.submit(0, c, now(testing::admin_ctx())), c.user_id.value);
      }
    });
  REQUIRE(out.wait_for([](Outcomes& o) { return o.acknowledged.size() >= 50; }));
  kafka.cluster.set_down(true);
  REQUIRE(out.wait_for([](Outcomes& o) { return o.unavailable >= 20; }));
  size_t before_recovery;
  {
    std::lock_guard lock(out.mu);
    before_recovery = out.acknowledged.size();
  }
  kafka.cluster.set_down(false);
  // Nobody restarts anything: the partition reloads and claims itself again.
  REQUIRE(out.wait_for([&](Outcomes& o) { return o.acknowledged.size() >= before_recovery + 50; }));
  threads.join();
  CHECK(out.unexpected.empty());

  // A writer that rebuilds from the log finds every acknowledged user, and exactly the state the
  // first writer holds after reloading: nothing acknowledged is missing, nothing is there twice.
  commands::Processor fresh(*kafka.log, "writer-b", sealing());
  fresh.start();
  auto in_log = user_ids(fresh, tenant.tenant_id);
  for (const auto& id : out.acknowledged) CHECK(in_log.count(id) == 1);
  CHECK(in_log == user_ids(proc, tenant.tenant_id));
}

TEST_CASE("errors injected into appends: retriable ones are retried unseen, others fail the command with 503 and nothing is kept") {
  Kafka kafka;
  commands::ProcessorOptions options = sealing();
  options.retry_after_failure = 100ms;
  commands::Processor proc(*kafka.log, "writer-a", options);
  proc.start();
  proc.acquire_all();
  auto tenant = testing::acme();
  REQUIRE(proc.submit(0, tenant, now({})).ok());
  constexpr int16_t kProduce = 0;  // the Produce API key

  // The broker says it is not the leader, three times: the producer retries, the client never knows.
  rd_kafka_mock_push_request_errors(kafka.cluster.get(), kProduce, 3, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
  auto retried = testing::user(tenant.tenant_id, "retried@acme.test");
  auto before = log_end(*kafka.log);
  REQUIRE(proc.submit(0, retried, now(testing::admin_ctx())).ok());
  CHECK(log_end(*kafka.log) == before + 1);  // once, despite the retries

  // A refusal the producer cannot retry: the command is told it failed, and its user is nowhere.
  rd_kafka_mock_push_request_errors(kafka.cluster.get(), kProduce, 1, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  auto refused = testing::user(tenant.tenant_id, "refused@acme.test");
  auto failed = proc.submit(0, refused, now(testing::admin_ctx()));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == core::errc::unavailable);

  // It recovers by itself: the next command reloads the partition and succeeds.
  commands::CreateUser after = testing::user(tenant.tenant_id, "after@acme.test");
  CHECK(test::eventually([&] { return proc.submit(0, after, now(testing::admin_ctx())).ok(); }));
  auto users = user_ids(proc, tenant.tenant_id);
  CHECK(users.count(retried.user_id.value) == 1);
  CHECK(users.count(refused.user_id.value) == 0);
  CHECK(users.count(after.user_id.value) == 1);
  commands::Processor fresh(*kafka.log, "writer-b", sealing());
  fresh.start();
  CHECK(user_ids(fresh, tenant.tenant_id) == users);
}

TEST_CASE("past the queue's bound a command is refused at once rather than held") {
  Kafka kafka;
  commands::ProcessorOptions options = sealing();
  options.max_queue = 4;
  options.max_batch_commands = 4;  // the worker holds at most 4 decided commands besides what is in flight
  commands::Processor proc(*kafka.log, "writer-a", options);
  proc.start(); proc.acquire_all();
  auto tenant = testing::acme();
  REQUIRE(proc.submit(0, tenant, now({})).ok());
  kafka.cluster.set_down(true);  // batches now take message.timeout.ms to fail: the queue fills
  double shed_before = counter("regent_commands_shed_total");

  Outcomes out;
  create_at_once(proc, tenant.tenant_id, "q", 40, out);
  CHECK(out.unavailable == 40);
  CHECK(out.unexpected.empty());
  // At most 4 queued, 4 decided and two batches of 4 in flight: the others were refused at once.
  CHECK(counter("regent_commands_shed_total") - shed_before >= 40 - 4 - 4 - 2 * 4);
  kafka.cluster.set_down(false);
}

TEST_CASE("commands decided while a batch is in flight share the next append") {
  Kafka kafka;
  commands::Processor proc(*kafka.log, "writer-a", sealing());
  proc.start(); proc.acquire_all();
  auto tenant = testing::acme();
  REQUIRE(proc.submit(0, tenant, now({})).ok());
  double batches_before = counter("regent_command_batches_total");
  double commands_before = counter("regent_command_batched_commands_total");

  Outcomes out;
  create_at_once(proc, tenant.tenant_id, "g", 64, out);
  REQUIRE(out.acknowledged.size() == 64);
  // Each acknowledged command got the offset of its own event, each a different one.
  std::set<std::string> ids(out.acknowledged.begin(), out.acknowledged.end());
  CHECK(ids.size() == 64);
  CHECK(user_ids(proc, tenant.tenant_id).size() == 65);
  double batches = counter("regent_command_batches_total") - batches_before;
  double commands = counter("regent_command_batched_commands_total") - commands_before;
  CHECK(commands == 64);
  CHECK(batches < commands);  // some appends carried several commands
  MESSAGE("64 concurrent commands went out in " << batches << " appends");
}

namespace {
// The state without what differs between two writers reading the same log: their own markers.
std::string comparable(const commands::Processor& p, int32_t partition) {
  std::string text;
  p.read(partition, [&](const commands::PartitionState& s) {
    commands::PartitionState copy = s;
    copy.fence = {};
    copy.next_offset = 0;
    copy.last_event_id.clear();
    text = commands::encode_snapshot(copy);
  });
  return text;
}

// Creates users and credits them, some with idempotency keys.
void write_history(commands::Processor& proc, const core::TenantId& tenant, const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i) {
    auto u = testing::user(tenant, prefix + std::to_string(i) + "@acme.test");
    REQUIRE(proc.submit(0, u, now(testing::admin_ctx())).ok());
    commands::CreditWallet c;
    c.tenant_id = tenant;
    c.user_id = u.user_id;
    c.transaction_id = core::uuid_v7();
    c.amount = 100 + i;
    auto ctx = now(testing::admin_ctx());
    ctx.idempotency_key = prefix + "-credit-" + std::to_string(i);
    ctx.idempotency_scope = tenant.value;
    ctx.request_hash = std::string(43, 'a' + static_cast<char>(i % 26));
    REQUIRE(proc.submit(0, c, ctx).ok());
  }
}
}  // namespace

std::string migrated(const std::string& url) {
  projections::migrate(url);
  return url;
}

// A fresh database holding snapshots, and processor options that save them every `every` events.
struct Snapshots {
  test::TestDatabase db;
  commands::SnapshotStore store;
  commands::ProcessorOptions options = sealing();
  explicit Snapshots(int64_t every) : store(migrated(db.url()), "regent.events") {
    options.snapshots = &store;
    options.snapshot_every = every;
  }
};

TEST_CASE("state rebuilt from a snapshot and the log's tail equals state rebuilt from zero") {
  Kafka kafka;
  Snapshots snapshots(50);
  auto& db = snapshots.db;
  const auto& with_snapshots = snapshots.options;
  auto tenant = testing::acme();
  {
    commands::Processor first(*kafka.log, "writer-a", with_snapshots);
    first.start(); first.acquire_all();
    REQUIRE(first.submit(0, tenant, now({})).ok());
    write_history(first, tenant.tenant_id, "a", 40);
    first.stop();  // saves a snapshot
  }
  CHECK(db.count("SELECT count(*) FROM command_snapshots WHERE partition = 0") == 1);
  {
    commands::Processor second(*kafka.log, "writer-b", sealing());  // no snapshots: history only grows
    second.start(); second.acquire_all();
    write_history(second, tenant.tenant_id, "b", 10);
  }
  commands::Processor from_snapshot(*kafka.log, "writer-c", with_snapshots);
  from_snapshot.start();
  commands::Processor from_zero(*kafka.log, "writer-d", sealing());
  from_zero.start();
  // The snapshot spared most of the reading.
  CHECK(from_snapshot.events_read_at_start() < from_zero.events_read_at_start() / 3);
  CHECK(comparable(from_snapshot, 0) == comparable(from_zero, 0));
  // And the rebuilt keys answer as the originals did.
  from_snapshot.acquire_all();
  commands::CreditWallet replay;
  replay.tenant_id = tenant.tenant_id;
  auto ctx = now(testing::admin_ctx());
  ctx.idempotency_key = "a-credit-3";
  ctx.idempotency_scope = tenant.tenant_id.value;
  ctx.request_hash = std::string(43, 'a' + 3);
  auto again = from_snapshot.submit(0, replay, ctx);
  REQUIRE(again.ok());
  CHECK(again->replayed);
}

TEST_CASE("snapshots keep being taken while commands never stop coming") {
  Kafka kafka;
  Snapshots snapshots(200);
  // Small batches and more writers than two batches hold: commands are always queued, and the
  // partition is never idle.
  auto options = snapshots.options;
  options.max_batch_commands = 4;
  commands::Processor proc(*kafka.log, "writer-a", options);
  proc.start();
  proc.acquire_all();
  auto tenant = testing::acme();
  REQUIRE(proc.submit(0, tenant, now({})).ok());
  auto bob = testing::user(tenant.tenant_id, "bob@acme.test");
  REQUIRE(proc.submit(0, bob, now(testing::admin_ctx())).ok());
  Outcomes out;
  Threads threads;
  for (int t = 0; t < 32; ++t)
    threads.spawn([&] {
      while (!threads.stop) {
        commands::CreditWallet c;
        c.tenant_id = tenant.tenant_id;
        c.user_id = bob.user_id;
        c.transaction_id = core::uuid_v7();
        c.amount = 1;
        out.add(proc.submit(0, c, now(testing::admin_ctx())), c.transaction_id);
      }
    });
  // Three snapshots apart, all while the load goes on.
  CHECK(test::eventually([&] {
    return snapshots.db.count("SELECT coalesce(max(next_offset), 0) FROM command_snapshots WHERE partition = 0") >= 600;
  }));
  threads.join();
  CHECK(out.unexpected.empty());
  CHECK(out.unavailable == 0);
  // And the last one, with the log's tail, gives the writer's state.
  proc.stop();
  commands::Processor from_snapshot(*kafka.log, "writer-b", snapshots.options);
  from_snapshot.start();
  CHECK(from_snapshot.events_read_at_start() < 300);
  CHECK(comparable(from_snapshot, 0) == comparable(proc, 0));
}

TEST_CASE("a snapshot of another log is recognised and ignored") {
  Snapshots snapshots(1);
  auto& db = snapshots.db;
  const auto& options = snapshots.options;
  {
    Kafka old_log;
    commands::Processor p(*old_log.log, "writer-a", options);
    p.start(); p.acquire_all();
    REQUIRE(p.submit(0, testing::acme(), now({})).ok());
    p.stop();
  }
  REQUIRE(db.count("SELECT count(*) FROM command_snapshots") == 1);
  Kafka new_log;  // same database, a log that never had that history, though as long
  {
    commands::Processor other(*new_log.log, "writer-b", sealing());
    other.start(); other.acquire_all();
    for (const char* slug : {"one", "two", "three"}) {
      auto t = testing::acme();
      t.slug = slug;
      REQUIRE(other.submit(0, t, now({})).ok());
    }
  }
  commands::Processor p(*new_log.log, "writer-c", options);
  p.start();
  p.read(0, [](const commands::PartitionState& s) {
    CHECK(s.tenant_by("acme") == nullptr);  // the snapshot's tenant is not in this log
    CHECK(s.tenants.size() == 3);
  });
  CHECK(p.events_read_at_start() > 0);
}

TEST_CASE("the embedded log keeps its whole history, beyond what the mock cluster retains") {
  test::TempDir dir;
  core::Config config;
  config.kafka_brokers = "embedded";
  config.kafka_partitions = 1;
  config.data_dir = dir.path();
  auto tenant = testing::acme();
  auto bob = testing::user(tenant.tenant_id, "bob@acme.test");
  int64_t credited = 0;
  std::string total_before;
  {
    events::EventLog log(config);
    commands::Processor proc(log, "writer-a", sealing());
    proc.start(); proc.acquire_all();
    REQUIRE(proc.submit(0, tenant, now({})).ok());
    REQUIRE(proc.submit(0, bob, now(testing::admin_ctx())).ok());
    // About 7 MB in one partition: librdkafka's mock keeps 5 MB and drops the oldest.
    Threads threads;
    std::atomic<int64_t> sum{0};
    for (int t = 0; t < 8; ++t)
      threads.spawn([&, t] {
        for (int i = 0; i < 600; ++i) {
          commands::CreditWallet c;
          c.tenant_id = tenant.tenant_id;
          c.user_id = bob.user_id;
          c.transaction_id = core::uuid_v7();
          c.amount = 1 + t;
          c.description = std::string(1000, static_cast<char>('a' + t));
          REQUIRE(proc.submit(0, c, now(testing::admin_ctx())).ok());
          sum += c.amount;
        }
      });
    threads.join();
    credited = sum;
    // The mock itself no longer starts at offset 0: a plain reader is told so, loudly.
    events::LogReader plain(log.brokers(), log.topic());
    plain.assign({{0, 0}});
    CHECK_THROWS(plain.poll(10, std::chrono::seconds(5)));

    commands::Processor again(log, "writer-b", sealing());
    again.start();
    again.read(0, [&](const commands::PartitionState& s) {
      const auto* t = s.tenant(tenant.tenant_id);
      REQUIRE(t != nullptr);  // tenant.created is among the events the mock dropped
      CHECK(t->user(bob.user_id)->wallet.balance == credited);
      CHECK(t->transactions == 4800);
    });
  }
  // After a restart the write-ahead file is produced back: the same again.
  events::EventLog log(config);
  commands::Processor restarted(log, "writer-c", sealing());
  restarted.start();
  restarted.read(0, [&](const commands::PartitionState& s) {
    const auto* t = s.tenant(tenant.tenant_id);
    REQUIRE(t != nullptr);
    CHECK(t->user(bob.user_id)->wallet.balance == credited);
  });
}

TEST_CASE("a writer whose partition was claimed by another gets no write accepted, and its late events count for nobody") {
  Kafka kafka;
  auto tenant = testing::acme();
  commands::Processor old_owner(*kafka.log, "writer-old", sealing());
  old_owner.start(); old_owner.acquire_all();
  REQUIRE(old_owner.submit(0, tenant, now({})).ok());

  commands::Processor new_owner(*kafka.log, "writer-new", sealing());  // claims the partition: a newer epoch
  new_owner.start(); new_owner.acquire_all();
  auto before = log_end(*kafka.log);

  // The old owner still believes it owns the partition: its command is decided and appended, but
  // lands after the new owner's marker. It must not be told it succeeded.
  auto late = testing::user(tenant.tenant_id, "late@acme.test");
  auto answer = old_owner.submit(0, late, now(testing::admin_ctx()));
  REQUIRE_FALSE(answer.ok());
  CHECK(answer.error().code == core::errc::unavailable);
  CHECK(log_end(*kafka.log) == before + 1);  // the event is in the log ...

  // The old owner gives the partition up rather than claim it back: its next command appends
  // nothing, and it now names the new owner.
  auto again = old_owner.submit(0, testing::user(tenant.tenant_id, "again@acme.test"), now(testing::admin_ctx()));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == core::errc::unavailable);
  CHECK(log_end(*kafka.log) == before + 1);
  CHECK_FALSE(old_owner.owner_of(0).local);
  CHECK(test::eventually([&] { return old_owner.owner_of(0).writer_id == "writer-new"; }));
  CHECK(new_owner.owner_of(0).local);

  // ... and every reader skips it: a writer rebuilding from the log does not know that user.
  commands::Processor reader(*kafka.log, "writer-reader", sealing());
  reader.start();
  CHECK(user_ids(reader, tenant.tenant_id).count(late.user_id.value) == 0);
  CHECK(user_ids(reader, tenant.tenant_id).size() == 1);  // the admin
}
