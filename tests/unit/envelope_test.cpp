#include <doctest/doctest.h>

#include <boost/json/object.hpp>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "events/envelope.hpp"
#include "events/personal_fields.hpp"
#include "events/schemas.hpp"

using namespace regent;

namespace {
events::Envelope user_created() {
  events::Envelope e;
  e.id = core::uuid_v7();
  e.tenant_id = core::uuid_v7();
  e.source = "/tenants/" + e.tenant_id;
  e.type = "user.created";
  std::string user = core::uuid_v7();
  e.subject = "users/" + user;
  e.time = "2026-11-24T10:00:00.123Z";
  e.data = events::seal_personal(core::to_json(boost::json::object{
                                     {"user_id", user},
                                     {"roles", boost::json::array{"viewer"}},
                                     {"parent_user_id", nullptr},
                                     {"password_hash", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"},
                                     {"wallet", boost::json::object{{"currency", "USD"}}},
                                     {"personal", boost::json::object{{"email", "a@b.test"}, {"full_name", "A"}}}}),
                                 std::string(32, 'k'), e.id);
  e.actor_id = core::uuid_v7();
  e.actor_type = "user";
  e.sequence = 1;
  e.request_id = "req-1";
  e.correlation_id = "req-1";
  e.idempotency_key = "key-1";
  e.writer_id = "host-1-abc";
  e.writer_epoch = 3;
  return e;
}

std::string with(std::string json, const std::string& from, const std::string& to) {
  auto at = json.find(from);
  REQUIRE(at != std::string::npos);
  return json.replace(at, from.size(), to);
}
}  // namespace

TEST_CASE("an envelope survives serialisation and parsing unchanged") {
  auto e = user_created();
  auto back = events::parse_envelope(events::to_json(e));
  REQUIRE(back.ok());
  CHECK(back->id == e.id);
  CHECK(back->source == e.source);
  CHECK(back->type == e.type);
  CHECK(back->subject == e.subject);
  CHECK(back->time == e.time);
  CHECK(back->tenant_id == e.tenant_id);
  CHECK(back->actor_id == e.actor_id);
  CHECK(back->actor_type == e.actor_type);
  CHECK(back->sequence == e.sequence);
  CHECK(back->request_id == e.request_id);
  CHECK(back->correlation_id == e.correlation_id);
  CHECK(back->idempotency_key == e.idempotency_key);
  CHECK(back->writer_id == e.writer_id);
  CHECK(back->writer_epoch == e.writer_epoch);
  CHECK(events::to_json(*back) == events::to_json(e));
}

TEST_CASE("the serialised envelope is a CloudEvents 1.0 structured document") {
  auto doc = core::JsonDocument::parse(events::to_json(user_created()));
  auto root = doc->root();
  CHECK(core::get_string(root, "specversion") == std::optional<std::string_view>("1.0"));
  CHECK(core::get_string(root, "datacontenttype") == std::optional<std::string_view>("application/json"));
  CHECK(root["data"].is_object());
}

TEST_CASE("parse_envelope refuses what is not a CloudEvent") {
  CHECK_FALSE(events::parse_envelope("not json").ok());
  CHECK_FALSE(events::parse_envelope("[]").ok());
  CHECK_FALSE(events::parse_envelope(R"({"specversion":"0.3","id":"x","source":"/","type":"t","time":"t","data":{}})").ok());
  CHECK_FALSE(events::parse_envelope(R"({"specversion":"1.0","source":"/","type":"t","time":"t","data":{}})").ok());
}

TEST_CASE("a valid event passes its schema") {
  CHECK(events::validate_event_json(events::to_json(user_created())).empty());
}

TEST_CASE("schema validation names what is wrong") {
  std::string good = events::to_json(user_created());
  SUBCASE("a missing data field") {
    auto errors = events::validate_event_json(with(good, R"("full_name":"pd1.)", R"("nick":"pd1.)"));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].field == "data.personal.full_name");
    CHECK(errors[1].field == "data.personal.nick");
  }
  SUBCASE("a personal field or a password hash in clear") {
    auto e = user_created();
    e.data = events::open_personal(e.data, std::string(32, 'k'), e.id);  // clear, without the hash
    auto errors = events::validate_event_json(events::to_json(e));
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].field == "data.password_hash");
    CHECK(errors[1].field == "data.personal.email");
    CHECK(errors[2].field == "data.personal.full_name");
  }
  SUBCASE("a field of the wrong type") {
    auto errors = events::validate_event_json(with(good, R"("sequence":1)", R"("sequence":"1")"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "sequence");
  }
  SUBCASE("an unknown role") {
    auto errors = events::validate_event_json(with(good, R"(["viewer"])", R"(["emperor"])"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "data.roles[0]");
  }
  SUBCASE("a password hash that is not sealed as Regent seals") {
    auto errors = events::validate_event_json(with(good, R"("password_hash":"pd1.)", R"("password_hash":"pd0.)"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "data.password_hash");
  }
  SUBCASE("an unknown envelope attribute") {
    auto errors = events::validate_event_json(with(good, R"("specversion":"1.0")", R"("specversion":"1.0","colour":"red")"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "colour");
  }
  SUBCASE("a bad time") {
    CHECK_FALSE(events::validate_event_json(with(good, "2026-11-24T10:00:00.123Z", "yesterday")).empty());
  }
  SUBCASE("an unknown type") {
    auto errors = events::validate_event_json(with(good, R"("type":"user.created")", R"("type":"user.teleported")"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "type");
  }
}
