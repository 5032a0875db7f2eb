// What the audit projection makes of an event: the resource its subject names, and its details
// without secrets.
#include <doctest/doctest.h>

#include "api/audit_queries.hpp"
#include "api/csv.hpp"
#include "core/json.hpp"
#include "projections/audit.hpp"

using namespace regent;

TEST_CASE("an audit entry's resource is the subject's last collection and id, or a singleton after an id") {
  auto r = projections::audit_resource("users/u1");
  CHECK((r.type == "user" && r.id == "u1"));
  r = projections::audit_resource("users/u1/sessions/s1");
  CHECK((r.type == "session" && r.id == "s1"));
  r = projections::audit_resource("users/u1/wallet");
  CHECK((r.type == "wallet" && r.id == "u1"));
  r = projections::audit_resource("activities/a1");
  CHECK((r.type == "activity" && r.id == "a1"));
  r = projections::audit_resource("api-keys/k1");
  CHECK((r.type == "api_key" && r.id == "k1"));
  r = projections::audit_resource("invitations/i1");
  CHECK((r.type == "invitation" && r.id == "i1"));
  r = projections::audit_resource("gadgets/g1");  // a collection of tomorrow: as it is named
  CHECK((r.type == "gadgets" && r.id == "g1"));
}

TEST_CASE("an audit entry's details are the event's data without hashes of secrets nor token nonces") {
  std::string data = R"({"user_id":"u1","session_id":"s1","refresh_token_hash":"h","nonce":"n","key_hash":"k",)"
                     R"("token_hash":"t","password_hash":"p","personal":{"ip":"10.0.0.1","user_agent":null},"roles":["viewer"]})";
  auto details = projections::audit_details(data);
  CHECK(details.user_id == "u1");
  CHECK(details.ip == "10.0.0.1");
  CHECK_FALSE(details.user_agent);  // erased: null
  auto doc = core::JsonDocument::parse(details.json);
  REQUIRE(doc);
  auto d = doc->root();
  for (const char* secret : {"refresh_token_hash", "nonce", "key_hash", "token_hash", "password_hash"}) {
    CAPTURE(secret);
    CHECK(d[secret].error() == simdjson::NO_SUCH_FIELD);
  }
  CHECK(core::get_text(d, "session_id") == "s1");
  CHECK(core::get_text(d["personal"].value(), "ip") == "10.0.0.1");
  CHECK(projections::audit_details("not json").json == "{}");
  auto plain = projections::audit_details(R"({"tenant_id":"t1","name":"Acme"})");
  CHECK((plain.user_id.empty() && !plain.ip && !plain.user_agent));
}

TEST_CASE("a time is the floor of the UUIDv7 ids of its millisecond") {
  CHECK(api::uuid_floor(0) == "00000000-0000-0000-0000-000000000000");
  CHECK(api::uuid_floor(0x0193a1b2c3d4LL) == "0193a1b2-c3d4-0000-0000-000000000000");
  // Any id made at that millisecond or later sorts at or above it, earlier ones below.
  CHECK(std::string("0193a1b2-c3d4-7000-8000-000000000001") > api::uuid_floor(0x0193a1b2c3d4LL));
  CHECK(std::string("0193a1b2-c3d3-7fff-bfff-ffffffffffff") < api::uuid_floor(0x0193a1b2c3d4LL));
}

TEST_CASE("CSV cells: RFC 4180 quoting, and formulas neutralised for spreadsheets") {
  CHECK(api::csv_cell("plain") == "plain");
  CHECK(api::csv_cell("a,b") == "\"a,b\"");
  CHECK(api::csv_cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(api::csv_cell("two\r\nlines") == "\"two\r\nlines\"");
  for (std::string formula : {"=1+1", "+1", "-1", "@SUM(A1)", "\tx"}) {
    CAPTURE(formula);
    CHECK(api::csv_cell(formula) == "'" + formula);
  }
  CHECK(api::csv_cell("\rx") == "\"'\rx\"");
  CHECK(api::csv_cell("=HYPERLINK(\"http://x\",\"y\")") == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  CHECK(api::csv_row({std::string("a"), std::nullopt, std::string("c,d")}) == "a,,\"c,d\"\r\n");
}
