// What validating an event against its JSON Schema costs, per event (the command processor
// validates every event it decides, before appending it). Prints figures.
//   regent_bench_schemas [iterations]
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "events/envelope.hpp"
#include "events/schemas.hpp"

using namespace regent;

namespace {
events::Envelope envelope(const std::string& type, boost::json::object data, const std::string& subject) {
  events::Envelope e;
  e.id = core::uuid_v7();
  e.tenant_id = core::uuid_v7();
  e.source = "/tenants/" + e.tenant_id;
  e.type = type;
  e.subject = subject;
  e.time = "2026-12-01T10:00:00.123Z";
  e.data = core::to_json(data);
  e.actor_id = core::uuid_v7();
  e.actor_type = "user";
  e.sequence = 7;
  e.request_id = core::uuid_v7();
  e.correlation_id = e.request_id;
  e.writer_id = "host-1-abc";
  e.writer_epoch = 3;
  return e;
}
}  // namespace

int main(int argc, char** argv) {
  int iterations = argc > 1 ? std::stoi(argv[1]) : 100000;
  std::string user = core::uuid_v7();
  std::vector<std::pair<std::string, std::string>> samples = {
      {"wallet.debited",
       events::to_json(envelope("wallet.debited",
                                {{"transaction_id", core::uuid_v7()}, {"user_id", user}, {"amount", 1},
                                 {"balance_after", 99}, {"currency", "USD"}, {"reference", nullptr},
                                 {"description", nullptr}, {"activity_id", nullptr}},
                                "users/" + user + "/wallet"))},
      {"user.created",
       events::to_json(envelope("user.created",
                                {{"user_id", user}, {"roles", boost::json::array{"viewer"}}, {"parent_user_id", nullptr},
                                 {"password_hash", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"},
                                 {"wallet", boost::json::object{{"currency", "USD"}}},
                                 {"personal", boost::json::object{{"email", "a@b.test"}, {"full_name", "A"}}}},
                                "users/" + user))}};
  for (const auto& [type, json] : samples) {
    auto errors = events::validate_event_json(json);
    if (!errors.empty()) {
      std::printf("%s: the sample breaks its schema (%s: %s)\n", type.c_str(), errors[0].field.c_str(),
                  errors[0].message.c_str());
      return 1;
    }
    std::vector<double> rounds;
    for (int r = 0; r < 5; ++r) {
      auto start = std::chrono::steady_clock::now();
      size_t invalid = 0;
      for (int i = 0; i < iterations / 5; ++i) invalid += !events::validate_event_json(json).empty();
      double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
      rounds.push_back(ns / (iterations / 5) + double(invalid));
    }
    std::sort(rounds.begin(), rounds.end());
    std::printf("%-16s %5zu bytes  parse + validate: median %.2f us per event (5 rounds of %d)\n", type.c_str(),
                json.size(), rounds[2] / 1000, iterations / 5);
  }
}
