#include <doctest/doctest.h>

#include <regex>

#include "api/trace_context.hpp"

using regent::api::trace_context;

namespace {
const std::regex kShape("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$");
const std::string kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kParent = "00f067aa0ba902b7";
}  // namespace

TEST_CASE("a valid traceparent is continued: same trace, a new span whose parent is the caller's") {
  auto t = trace_context("00-" + kTrace + "-" + kParent + "-01", std::string_view("vendor=abc"));
  CHECK(t.trace_id == kTrace);
  CHECK(t.parent_id == kParent);
  CHECK(t.span_id.size() == 16);
  CHECK(t.span_id != kParent);
  CHECK(t.flags == "01");
  CHECK(t.tracestate == "vendor=abc");
  CHECK(std::regex_match(t.traceparent(), kShape));
  CHECK(t.traceparent() == "00-" + kTrace + "-" + t.span_id + "-01");
  // A later version may carry more after a dash; its known fields are still read.
  auto later = trace_context("cc-" + kTrace + "-" + kParent + "-00-whatever", std::nullopt);
  CHECK(later.trace_id == kTrace);
  CHECK(later.flags == "00");
}

TEST_CASE("no traceparent, or an invalid one, starts a new trace and drops tracestate") {
  for (std::string bad : {std::string(""), "00-" + kTrace + "-" + kParent, "00-" + std::string(32, '0') + "-" + kParent + "-01",
                          "00-" + kTrace + "-" + std::string(16, '0') + "-01", "ff-" + kTrace + "-" + kParent + "-01",
                          "00-" + std::string("4BF92F3577B34DA6A3CE929D0E0E4736") + "-" + kParent + "-01",
                          "00-" + kTrace + "-" + kParent + "-01-extra", "00_" + kTrace + "_" + kParent + "_01"}) {
    CAPTURE(bad);
    auto t = trace_context(bad.empty() ? std::nullopt : std::optional<std::string_view>(bad), std::string_view("k=v"));
    CHECK(t.trace_id != kTrace);
    CHECK(t.trace_id.size() == 32);
    CHECK(t.parent_id.empty());
    CHECK(t.tracestate.empty());
    CHECK(std::regex_match(t.traceparent(), kShape));
  }
  CHECK(trace_context(std::nullopt, std::nullopt).trace_id != trace_context(std::nullopt, std::nullopt).trace_id);
}
