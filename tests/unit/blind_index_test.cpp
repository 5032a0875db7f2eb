// Emails found by their keyed blind index: what events record, what the state looks up, and the
// events from before the index was recorded.
#include <doctest/doctest.h>

#include "commands/snapshot.hpp"
#include "core/blind_index.hpp"
#include "core/crypto.hpp"
#include "core/json.hpp"
#include "tests/unit/domain_helpers.hpp"

using namespace regent;
using namespace regent::commands;
using namespace regent::testing;

TEST_CASE("an email's blind index is keyed, case-blind, and what user.created, user.updated and invitation.created record") {
  std::string index = core::email_index("Ada@Acme.test");
  CHECK(index.size() == 43);
  CHECK(index == core::email_index("ada@acme.TEST"));
  CHECK(index != core::email_index("ada@acme.test.org"));
  CHECK(index.find("ada") == std::string::npos);
  CHECK(index != core::base64url_encode(core::hmac_sha256("", "regent email index v1\nada@acme.test")));  // keyed

  PartitionState s;
  auto t = acme();
  auto created = decide(s, t, Context{}).value();
  CHECK(created.at(1).data.find("\"email_index\":\"" + index + "\"") != std::string::npos);
  apply_drafts(s, created);
  const TenantState* tenant = s.tenant(t.tenant_id);
  CHECK(tenant->user(t.admin_id)->email_index == index);

  UpdateUser change{t.tenant_id, t.admin_id, std::string("ada@new.test"), std::nullopt, std::nullopt};
  auto updated = decide(s, change, actor(t.admin_id, {"admin"})).value();
  CHECK(updated.at(0).data.find(core::email_index("ada@new.test")) != std::string::npos);
  apply_drafts(s, updated, actor(t.admin_id, {"admin"}));
  tenant = s.tenant(t.tenant_id);
  CHECK(tenant->user_by("ADA@new.test") == tenant->user(t.admin_id));
  CHECK(tenant->user_by("ada@acme.test") == nullptr);  // the old email is free again

  CreateInvitation invite{t.tenant_id, core::uuid_v7(), "Carol@Acme.test", {"viewer"}, core::random_token(32),
                          core::random_token(32), core::now_millis() + 60'000};
  auto invited = decide(s, invite, actor(t.admin_id, {"admin"})).value();
  CHECK(invited.at(0).data.find(core::email_index("carol@acme.test")) != std::string::npos);
  apply_drafts(s, invited, actor(t.admin_id, {"admin"}));
  CHECK(s.tenant(t.tenant_id)->pending_invitation_for("carol@ACME.test", core::now_millis()) != nullptr);

  // A snapshot keeps the indexes, not just the emails.
  auto decoded = decode_snapshot(encode_snapshot(s));
  REQUIRE(decoded.ok());
  CHECK(decoded->tenant(t.tenant_id)->user_by("ada@new.test") != nullptr);
  CHECK(decoded->tenant(t.tenant_id)->pending_invitation_for("carol@acme.test", core::now_millis()) != nullptr);
}

TEST_CASE("while events carry the clear email, the state indexes it under the key of now") {
  PartitionState s;
  auto t = acme();
  auto drafts = decide(s, t, Context{}).value();
  auto doc = core::JsonDocument::parse(drafts.at(1).data);
  auto data = core::to_boost(doc->root()).as_object();
  data["email_index"] = std::string(43, 'A');  // as if made under another key
  drafts.at(1).data = core::to_json(data);
  apply_drafts(s, drafts);
  CHECK(s.tenant(t.tenant_id)->user_by("ada@acme.test") != nullptr);
}

TEST_CASE("events from before the blind index was recorded are indexed from their clear email") {
  PartitionState s;
  auto t = acme();
  auto drafts = decide(s, t, Context{}).value();
  auto doc = core::JsonDocument::parse(drafts.at(1).data);
  auto data = core::to_boost(doc->root()).as_object();
  REQUIRE(data.erase("email_index") == 1);
  drafts.at(1).data = core::to_json(data);
  apply_drafts(s, drafts);
  CHECK(s.tenant(t.tenant_id)->user_by("ada@acme.test") != nullptr);
  CHECK(s.tenant(t.tenant_id)->user(t.admin_id)->email_index == core::email_index("ada@acme.test"));
}
