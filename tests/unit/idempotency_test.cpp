// Idempotency records: kept 24 h, scoped, rebuilt from events the way the log replays them.
#include <doctest/doctest.h>

#include "commands/evolve.hpp"
#include "tests/unit/domain_helpers.hpp"

using namespace regent;
using namespace regent::commands;

namespace {
events::Envelope keyed(std::string type, const std::string& tenant, const std::string& key, const std::string& hash,
                       core::UnixMillis at) {
  events::Envelope e;
  e.type = std::move(type);
  e.tenant_id = tenant;
  e.idempotency_key = key;
  e.request_hash = hash;
  e.time = core::format_rfc3339(at);
  e.data = "{}";
  return e;
}
}  // namespace

TEST_CASE("a key is kept 24 hours, then forgotten, and may be used again") {
  IdempotencyIndex index;
  core::UnixMillis t0 = 1'700'000'000'000;
  IdempotencyRecord r;
  r.request_hash = "h1";
  r.at = t0;
  index.add("k", r);
  CHECK(index.find("k", t0 + kIdempotencyWindow - 1) != nullptr);
  CHECK(index.find("k", t0 + kIdempotencyWindow) == nullptr);
  CHECK(index.size() == 0);
  r.request_hash = "h2";
  r.at = t0 + kIdempotencyWindow + 5;
  index.add("k", r);
  REQUIRE(index.find("k", r.at) != nullptr);
  CHECK(index.find("k", r.at)->request_hash == "h2");
}

TEST_CASE("rebuilt from events: a sign-up's events join one record among sign-ups, others their tenant's") {
  PartitionState s;
  auto t = testing::acme();
  core::UnixMillis at = core::now_millis();
  auto drafts = decide(s, t, Context{}).value();
  // As the log replays them: each event with its key, hash and position.
  int64_t offset = 10;
  for (const auto& d : drafts) {
    auto e = keyed(d.type, d.tenant_id.value, "signup-key", "hash-a", at);
    e.data = d.data;
    e.sequence = d.sequence;
    evolve(s, e);
    remember_key(s, e, Position{0, offset++});
  }
  auto* signup = find_key(s, "", "signup-key", at);
  REQUIRE(signup != nullptr);
  CHECK(signup->events.size() == 2);
  CHECK_FALSE(signup->pending);
  CHECK(signup->position.offset == 11);
  CHECK(find_key(s, t.tenant_id.value, "signup-key", at) == nullptr);

  // The same key in the tenant is another key: keys are scoped.
  auto credit = keyed("wallet.credited", t.tenant_id.value, "signup-key", "hash-b", at + 1);
  remember_key(s, credit, std::nullopt);
  auto* in_tenant = find_key(s, t.tenant_id.value, "signup-key", at + 1);
  REQUIRE(in_tenant != nullptr);
  CHECK(in_tenant->pending);  // decided, not yet acknowledged
  CHECK(in_tenant->request_hash == "hash-b");
  CHECK(find_key(s, "", "signup-key", at + 1)->request_hash == "hash-a");
}
