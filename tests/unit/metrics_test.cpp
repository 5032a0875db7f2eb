#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "core/metrics.hpp"

using namespace regent;

TEST_CASE("docs/operations.md lists exactly the series of the metrics catalogue") {
  std::ifstream in(REGENT_OPERATIONS_MD);
  REQUIRE(in);
  std::stringstream doc;
  doc << in.rdbuf();
  std::string text = doc.str();
  std::set<std::string> listed;
  std::regex row(R"(\| `(regent_[a-z_]+)` \|)");
  for (std::sregex_iterator it(text.begin(), text.end(), row), end; it != end; ++it) listed.insert((*it)[1]);
  std::set<std::string> catalogued;
  for (const auto& m : core::metric_catalogue()) catalogued.emplace(m.name);
  CHECK(listed == catalogued);
}

TEST_CASE("every series is typed and described, and one the catalogue lacks is a bug") {
  core::Metrics m;
  m.counter_add("regent_events_appended_total", {}, 3);
  m.gauge_set("regent_command_queue_depth", {{"partition", "2"}}, 5);
  m.histogram_observe("regent_http_request_duration_seconds", {{"route", "/x"}, {"status_class", "2xx"}}, 0.003);
  std::string text = m.render();
  CHECK(text.find("# TYPE regent_events_appended_total counter") != std::string::npos);
  CHECK(text.find("\nregent_events_appended_total 3") != std::string::npos);
  CHECK(text.find("regent_command_queue_depth{partition=\"2\"} 5") != std::string::npos);
  CHECK(text.find("regent_http_request_duration_seconds_bucket{route=\"/x\",status_class=\"2xx\",le=\"0.005\"} 1") !=
        std::string::npos);
  CHECK(text.find("untyped") == std::string::npos);
  // A series is written once it has a sample, always with its help and type.
  for (const char* name : {"regent_events_appended_total", "regent_command_queue_depth", "regent_build_info",
                           "regent_http_request_duration_seconds"}) {
    CAPTURE(name);
    CHECK(text.find("# HELP " + std::string(name) + " ") != std::string::npos);
    CHECK(text.find("# TYPE " + std::string(name) + " ") != std::string::npos);
  }
  for (const auto& info : core::metric_catalogue()) {
    CAPTURE(info.name);
    CHECK(info.help.size() > 10);
    CHECK((info.type == core::MetricType::histogram) == !info.buckets.empty());
    CHECK((info.type == core::MetricType::counter) == info.name.ends_with("_total"));
  }
  CHECK_THROWS_AS(m.counter_add("regent_made_up_total", {}), std::logic_error);
  CHECK_THROWS_AS(m.gauge_set("regent_events_appended_total", {}, 1), std::logic_error);        // another type
  CHECK_THROWS_AS(m.gauge_set("regent_command_queue_depth", {{"tenant", "x"}}, 1), std::logic_error);  // other labels
  m.remove("regent_command_queue_depth", {{"partition", "2"}});
  CHECK(m.render().find("regent_command_queue_depth{partition=\"2\"}") == std::string::npos);
}
