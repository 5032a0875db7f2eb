#pragma once
// Builds partition state the way the processor does: decide, stamp an envelope, seal its personal
// fields, check it against its event schema, evolve.
#include <doctest/doctest.h>

#include "commands/decide.hpp"
#include "commands/evolve.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/sealed_fields.hpp"
#include "events/envelope.hpp"
#include "events/personal_fields.hpp"
#include "events/schemas.hpp"

namespace regent::testing {

// Each user's data key in unit tests: derived from its id, so that tests can open what they sealed.
inline std::string test_data_key(std::string_view user) { return core::hmac_sha256("unit test data keys", user); }

// A sealed value of the state, opened with its user's test key.
inline std::string opened(const core::UserId& owner, const core::Sealed& v, std::string_view field) {
  return core::reveal(test_data_key(owner.value), v, events::personal_field(field)).value_or("<does not open>");
}

// `seal`: false for events as they were before personal fields were sealed.
inline void apply_drafts(commands::PartitionState& s, const std::vector<commands::Draft>& drafts,
                         const commands::Context& ctx = {}, bool seal = true) {
  for (const auto& d : drafts) {
    events::Envelope e;
    e.id = core::uuid_v7();
    e.source = "/tenants/" + d.tenant_id.value;
    e.type = d.type;
    e.subject = d.subject;
    e.time = core::format_rfc3339(ctx.now ? ctx.now : core::now_millis());
    e.data = seal && events::has_personal(d.data)
                 ? events::seal_personal(d.data, test_data_key(events::personal_owner(d.data).value_or("")), e.id)
                 : d.data;
    e.tenant_id = d.tenant_id.value;
    e.actor_id = ctx.actor_id;
    e.actor_type = ctx.actor_id.empty() ? "system" : ctx.actor_type == "system" ? "user" : ctx.actor_type;
    e.sequence = d.sequence;
    e.writer_id = "unit";
    e.writer_epoch = 1;
    auto problems = events::validate_event_json(events::to_json(e));
    INFO(d.type << ": " << (problems.empty() ? "" : problems.front().field + " " + problems.front().message));
    if (seal) REQUIRE(problems.empty());
    commands::evolve(s, e);
  }
}

inline commands::CreateTenant acme() {
  commands::CreateTenant c;
  c.tenant_id = core::TenantId{core::uuid_v7()};
  c.admin_id = core::UserId{core::uuid_v7()};
  c.name = "Acme";
  c.slug = "acme";
  c.admin_email = "Ada@Acme.test";
  c.admin_full_name = "Ada";
  c.admin_password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
  return c;
}

inline commands::CreateUser user(const core::TenantId& t, std::string email,
                                 std::vector<std::string> roles = {"viewer"}) {
  commands::CreateUser c;
  c.tenant_id = t;
  c.user_id = core::UserId{core::uuid_v7()};
  c.email = std::move(email);
  c.full_name = "Someone";
  c.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
  c.roles = std::move(roles);
  return c;
}

inline commands::Context actor(const core::UserId& id, std::vector<std::string> roles) {
  commands::Context ctx;
  ctx.actor_id = id.value;
  ctx.actor_type = "user";
  ctx.actor_roles = std::move(roles);
  return ctx;
}

inline commands::Context admin_ctx() {
  commands::Context ctx;
  ctx.actor_roles = {"admin"};
  return ctx;
}

}  // namespace regent::testing
