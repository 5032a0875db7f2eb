// Emails found by their keyed blind index: what events record, what the state looks up, and the
// events from before the index was recorded.
#include <doctest/doctest.h>

#include <optional>

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

  CreateInvitation invite{t.tenant_id, core::uuid_v7(), core::UserId{core::uuid_v7()}, "Carol@Acme.test", {"viewer"}, core::random_token(32),
                          core::random_token(32), core::now_millis() + 60'000};
  auto invited = decide(s, invite, actor(t.admin_id, {"admin"})).value();
  CHECK(invited.at(0).data.find(core::email_index("carol@acme.test")) != std::string::npos);
  apply_drafts(s, invited, actor(t.admin_id, {"admin"}));
  CHECK(s.tenant(t.tenant_id)->pending_invitation_for("carol@ACME.test", core::now_millis()) != nullptr);

  // A snapshot's state finds them as well.
  auto decoded = decode_snapshot(encode_snapshot(s));
  REQUIRE(decoded.ok());
  CHECK(decoded->tenant(t.tenant_id)->user_by("ada@new.test") != nullptr);
  CHECK(decoded->tenant(t.tenant_id)->pending_invitation_for("carol@acme.test", core::now_millis()) != nullptr);
}

namespace {
// The state after acme's sign-up whose user.created records `index` as its email_index (none: as
// events did before they recorded it).
PartitionState signed_up_recording(const CreateTenant& t, std::optional<std::string> index, bool seal = false) {
  PartitionState s;
  auto drafts = decide(s, t, Context{}).value();
  auto doc = core::JsonDocument::parse(drafts.at(1).data);
  auto data = core::to_boost(doc->root()).as_object();
  if (index) data["email_index"] = *index;
  else REQUIRE(data.erase("email_index") == 1);
  drafts.at(1).data = core::to_json(data);
  apply_drafts(s, drafts, {}, seal);
  return s;
}
}  // namespace

TEST_CASE("once emails are sealed, the state finds them by the index their events record, and no other") {
  auto t = acme();
  auto s = signed_up_recording(t, std::string(43, 'A'), true);
  CHECK(s.tenant(t.tenant_id)->user(t.admin_id)->email_index == std::string(43, 'A'));
  CHECK(s.tenant(t.tenant_id)->user_by("ada@acme.test") == nullptr);  // the key of now is not asked
  CHECK(s.tenant(t.tenant_id)->user_by_email.at(std::string(43, 'A')) == t.admin_id);
  auto decoded = decode_snapshot(encode_snapshot(s));
  REQUIRE(decoded.ok());
  CHECK(decoded->tenant(t.tenant_id)->user(t.admin_id)->email_index == std::string(43, 'A'));
}

TEST_CASE("while events carry the clear email, the state indexes it under the key of now") {
  auto t = acme();
  // An index made under another key, or none at all (an event from before it was recorded).
  for (auto recorded : {std::optional<std::string>(std::string(43, 'A')), std::optional<std::string>()}) {
    auto s = signed_up_recording(t, recorded);
    CHECK(s.tenant(t.tenant_id)->user_by("ada@acme.test") != nullptr);
    CHECK(s.tenant(t.tenant_id)->user(t.admin_id)->email_index == core::email_index("ada@acme.test"));
  }
}
