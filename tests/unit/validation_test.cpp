#include <doctest/doctest.h>

#include "commands/validation.hpp"

using namespace regent;

namespace {
std::vector<std::string> fields(const core::Error& e) {
  std::vector<std::string> out;
  for (const auto& f : e.errors) out.push_back(f.field);
  return out;
}
}  // namespace

TEST_CASE("a good sign-up body parses") {
  auto doc = core::JsonDocument::parse(
      R"({"name":"Acme","slug":"acme-1","admin":{"email":"a@acme.test","password":"twelve chars!","full_name":"A"}})");
  auto r = commands::parse_create_tenant(doc->root());
  REQUIRE(r.ok());
  CHECK(r->slug == "acme-1");
  CHECK(r->admin_email == "a@acme.test");
}

TEST_CASE("every bad or unknown field of a sign-up is named at once") {
  auto doc = core::JsonDocument::parse(
      R"({"name":"","slug":"-Bad","admin":{"email":"nope","password":"short","full_name":7,"age":3},"plan":"gold"})");
  auto r = commands::parse_create_tenant(doc->root());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == core::errc::validation_failed);
  CHECK(fields(r.error()) == std::vector<std::string>{"name", "slug", "admin.email", "admin.password",
                                                      "admin.full_name", "admin.age", "plan"});
}

TEST_CASE("missing required fields are named") {
  auto doc = core::JsonDocument::parse("{}");
  auto r = commands::parse_create_user(doc->root());
  REQUIRE_FALSE(r.ok());
  CHECK(fields(r.error()) == std::vector<std::string>{"email", "full_name", "password"});
}

TEST_CASE("user roles default to viewer, must be known, and super_admin cannot be granted") {
  auto ok = core::JsonDocument::parse(R"({"email":"a@b.test","full_name":"A","password":"123456789012"})");
  CHECK(commands::parse_create_user(ok->root())->roles == std::vector<std::string>{"viewer"});
  for (const char* roles : {R"(["super_admin"])", R"([])", R"("admin")", R"([1])"}) {
    CAPTURE(roles);
    auto doc = core::JsonDocument::parse(std::string(R"({"email":"a@b.test","full_name":"A","password":"123456789012","roles":)") + roles + "}");
    auto r = commands::parse_create_user(doc->root());
    REQUIRE_FALSE(r.ok());
    CHECK(fields(r.error()) == std::vector<std::string>{"roles"});
  }
}

TEST_CASE("passwords are 12 to 128 characters, counted as characters not bytes") {
  auto body = [](const std::string& pw) {
    return core::JsonDocument::parse(R"({"email":"a@b.test","full_name":"A","password":")" + pw + "\"}");
  };
  CHECK_FALSE(commands::parse_create_user(body("12345678901")->root()).ok());
  CHECK(commands::parse_create_user(body("123456789012")->root()).ok());
  CHECK(commands::parse_create_user(body(std::string(128, 'x'))->root()).ok());
  CHECK_FALSE(commands::parse_create_user(body(std::string(129, 'x'))->root()).ok());
  CHECK(commands::parse_create_user(body("éééééééééééé")->root()).ok());  // 12 characters, 24 bytes
}

TEST_CASE("slugs and emails") {
  CHECK(commands::valid_slug("acme"));
  CHECK(commands::valid_slug("a1-b2"));
  CHECK_FALSE(commands::valid_slug("a"));
  CHECK_FALSE(commands::valid_slug("-acme"));
  CHECK_FALSE(commands::valid_slug("Acme"));
  CHECK_FALSE(commands::valid_slug(std::string(64, 'a')));
  CHECK(commands::valid_email("a@b.co"));
  CHECK_FALSE(commands::valid_email("a@b"));
  CHECK_FALSE(commands::valid_email("@b.co"));
  CHECK_FALSE(commands::valid_email("a@@b.co"));
  CHECK_FALSE(commands::valid_email("a b@c.co"));
}

TEST_CASE("parent_user_id must be a user id") {
  auto doc = core::JsonDocument::parse(R"({"email":"a@b.test","full_name":"A","password":"123456789012","parent_user_id":"nope"})");
  auto r = commands::parse_create_user(doc->root());
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.error().errors.size() == 1);
  CHECK(r.error().errors[0].field == "parent_user_id");
  CHECK(r.error().errors[0].message == "must be a user id");
}

TEST_CASE("an amount is a positive integer of minor units, bounded, and every other shape is named") {
  struct Case {
    const char* body;
    const char* message;
  };
  for (auto [body, message] : std::initializer_list<Case>{
           {R"({"amount":0})", "must be > 0"},
           {R"({"amount":-5})", "must be > 0"},
           {R"({"amount":12.5})", "must be an integer, written without a fraction or an exponent"},
           {R"({"amount":500.0})", "must be an integer, written without a fraction or an exponent"},
           {R"({"amount":1e3})", "must be an integer, written without a fraction or an exponent"},
           {R"({"amount":1E2})", "must be an integer, written without a fraction or an exponent"},
           {R"({"amount":-0.0})", "must be an integer, written without a fraction or an exponent"},
           {R"({"amount":"500"})", "must be an integer"},
           {R"({"amount":true})", "must be an integer"},
           {R"({"amount":1000000000001})", "must be at most 1000000000000"},
           {R"({"amount":18446744073709551615})", "must be at most 1000000000000"},
           {R"({"amount":100000000000000000000000000000})", "must be at most 1000000000000"},
           {R"({"amount":1e400})", "must be at most 1000000000000"},
           {R"({"amount":-1e400})", "must be > 0"},
           {R"({})", "is required"},
           {R"({"amount":null})", "is required"}}) {
    CAPTURE(body);
    auto doc = core::JsonDocument::parse(body);
    REQUIRE(doc);
    auto r = commands::parse_wallet_movement(doc->root());
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.error().errors.size() == 1);
    CHECK(r.error().errors[0].field == "amount");
    CHECK(r.error().errors[0].message == message);
  }
}

TEST_CASE("a good wallet movement parses") {
  auto doc = core::JsonDocument::parse(R"({"amount":500,"reference":"inv-1","description":"top-up"})");
  auto r = commands::parse_wallet_movement(doc->root());
  REQUIRE(r.ok());
  CHECK(r->amount == 500);
  CHECK(r->reference == "inv-1");
  auto unknown = core::JsonDocument::parse(R"({"amount":5,"currency":"USD","reference":""})");
  auto bad = commands::parse_wallet_movement(unknown->root());
  REQUIRE_FALSE(bad.ok());
  CHECK(fields(bad.error()) == std::vector<std::string>{"reference", "currency"});
}

TEST_CASE("an activity names a known type and, optionally, a user id") {
  auto ok = core::JsonDocument::parse(R"({"type":"form_download"})");
  CHECK(commands::parse_record_activity(ok->root()).ok());
  auto bad = core::JsonDocument::parse(R"({"type":"lunch","user_id":"bob","cost":5})");
  auto r = commands::parse_record_activity(bad->root());
  REQUIRE_FALSE(r.ok());
  CHECK(fields(r.error()) == std::vector<std::string>{"type", "user_id", "cost"});
}

TEST_CASE("tenant changes: known settings only, real currencies, bounded costs and limits") {
  auto ok = core::JsonDocument::parse(
      R"({"name":"Acme","settings":{"currency":"EUR","activity_costs":{"form_download":0},"max_users":10}})");
  auto r = commands::parse_change_tenant(ok->root());
  REQUIRE(r.ok());
  CHECK(r->name == std::optional<std::string>("Acme"));
  CHECK(r->currency == std::optional<std::string>("EUR"));
  CHECK(r->activity_costs.at("form_download") == 0);
  CHECK(r->activity_costs.count("report_generation") == 0);
  CHECK(r->max_users == std::optional<int64_t>(10));

  auto bad = core::JsonDocument::parse(
      R"({"name":"","slug":"x","settings":{"currency":"XYZ","activity_costs":{"form_download":-1,"lunch":5},"max_users":0,"theme":"dark"}})");
  auto b = commands::parse_change_tenant(bad->root());
  REQUIRE_FALSE(b.ok());
  CHECK(fields(b.error()) == std::vector<std::string>{"name", "settings.currency", "settings.activity_costs.form_download",
                                                      "settings.activity_costs.lunch", "settings.max_users",
                                                      "settings.theme", "slug"});
  auto not_object = core::JsonDocument::parse(R"({"settings":[]})");
  CHECK(fields(commands::parse_change_tenant(not_object->root()).error()) == std::vector<std::string>{"settings"});
}
