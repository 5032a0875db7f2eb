// Snapshots of the command state: what is encoded comes back whole.
#include <doctest/doctest.h>

#include "commands/evolve.hpp"
#include "commands/snapshot.hpp"
#include "tests/unit/domain_helpers.hpp"

using namespace regent;
using namespace regent::commands;

TEST_CASE("a partition's state survives encode and decode, keys, balances and all") {
  PartitionState s;
  s.partition = 2;
  s.fence = {"writer-a", 7, "marker-id", "http://10.0.0.7:8080"};
  auto t = testing::acme();
  testing::apply_drafts(s, decide(s, t, Context{}).value());
  auto bob = testing::user(t.tenant_id, "Bob@Acme.test", {"manager", "viewer"});
  testing::apply_drafts(s, decide(s, bob, testing::admin_ctx()).value());
  CreditWallet credit;
  credit.tenant_id = t.tenant_id;
  credit.user_id = bob.user_id;
  credit.transaction_id = core::uuid_v7();
  credit.amount = 1234;
  auto drafts = decide(s, credit, testing::admin_ctx()).value();
  for (const auto& d : drafts) {
    events::Envelope e;
    e.id = core::uuid_v7();
    e.type = d.type;
    e.tenant_id = d.tenant_id.value;
    e.sequence = d.sequence;
    e.data = d.data;
    e.time = core::format_rfc3339(core::now_millis());
    e.idempotency_key = "credit-1";
    e.request_hash = std::string(43, 'h');
    evolve(s, e);
    remember_key(s, e, Position{2, 41});
  }
  s.next_offset = 42;
  s.last_event_id = "the-last-one";

  std::string text = encode_snapshot(s);
  auto back = decode_snapshot(text);
  REQUIRE(back.ok());
  CHECK(encode_snapshot(back.value()) == text);
  const auto* tenant = back->tenant_by("acme");
  REQUIRE(tenant != nullptr);
  CHECK(tenant->user_by("bob@acme.test")->wallet.balance == 1234);
  CHECK(tenant->credited == 1234);
  CHECK(tenant->total_balance() == tenant->credited - tenant->debited);
  CHECK(back->fence.epoch == 7);
  CHECK(back->fence.url == "http://10.0.0.7:8080");
  auto* record = find_key(back.value(), t.tenant_id.value, "credit-1", core::now_millis());
  REQUIRE(record != nullptr);
  CHECK(record->position.offset == 41);
  CHECK(record->events.size() == 1);
}

TEST_CASE("a damaged or foreign snapshot is refused, not half-read") {
  CHECK_FALSE(decode_snapshot("not json").ok());
  CHECK_FALSE(decode_snapshot(R"({"format":99})").ok());
  CHECK_FALSE(decode_snapshot(R"({"format":2,"partition":0,"next_offset":5})").ok());
}
