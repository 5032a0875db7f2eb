// W3C Trace Context from HTTP to Kafka: a request's trace is continued (or started), answered in
// `traceparent`, and carried on every event it appends (the CloudEvents distributed-tracing
// extension), so a consumer of the log can join an event to the request that caused it.
#include <regex>

#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {
const std::regex kShape("^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$");

// The traceparent of the one event whose envelope names `transaction_id` in its data.
std::string event_traceparent(const DevServer& dev, const std::string& transaction_id) {
  for (const auto& json : all_events(dev)) {
    if (json.find(transaction_id) == std::string::npos) continue;
    auto doc = regent::core::JsonDocument::parse(json);
    return std::string(regent::core::get_string(doc->root(), "traceparent").value_or(""));
  }
  return "";
}
}  // namespace

TEST_CASE("a request's trace is continued or started, answered, and carried on its events") {
  DevServer dev;
  Tenant t(dev.port(), "traces");
  std::string ann = t.add_user("ann");
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736", caller = "00f067aa0ba902b7";

  // Continued: the same trace, a span of Regent's own, the caller's tracestate passed on.
  auto credited = t.track(post(t.port, "/v1/users/" + ann + "/wallet/credits", R"({"amount":10})", t.admin,
                               {{"traceparent", "00-" + trace + "-" + caller + "-01"}, {"tracestate", "acme=1"}}));
  REQUIRE(credited.status == 201);
  std::string answered = credited.header("traceparent");
  std::smatch m;
  REQUIRE(std::regex_match(answered, m, kShape));
  CHECK(m[1] == trace);
  CHECK(m[2] != caller);
  CHECK(answered.substr(53) == "01");
  CHECK(credited.header("tracestate") == "acme=1");
  CHECK(event_traceparent(dev, credited.str("id")) == answered);
  bool found_state = false;
  for (const auto& json : all_events(dev))
    found_state = found_state || (json.find(credited.str("id")) != std::string::npos &&
                                  json.find(R"("tracestate":"acme=1")") != std::string::npos);
  CHECK(found_state);

  // Started: no header, or one that is not W3C's, is a new trace, never an error.
  for (const std::map<std::string, std::string>& headers :
       {std::map<std::string, std::string>{}, std::map<std::string, std::string>{{"traceparent", "not-a-trace"}}}) {
    auto r = t.track(post(t.port, "/v1/users/" + ann + "/wallet/credits", R"({"amount":1})", t.admin, headers));
    REQUIRE(r.status == 201);
    std::string started = r.header("traceparent");
    REQUIRE(std::regex_match(started, m, kShape));
    CHECK(m[1] != trace);
    CHECK(r.header("tracestate").empty());
    CHECK(event_traceparent(dev, r.str("id")) == started);
  }

  // Queries and problems answer with their trace too.
  auto read = get(t.port, "/v1/users/" + ann + "/wallet", t.admin, {{"traceparent", "00-" + trace + "-" + caller + "-00"}});
  std::string read_trace = read.header("traceparent");
  REQUIRE(std::regex_match(read_trace, m, kShape));
  CHECK(m[1] == trace);
  CHECK(std::regex_match(get(t.port, "/v1/nothing").header("traceparent"), kShape));
}
