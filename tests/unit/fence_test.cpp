#include <doctest/doctest.h>

#include <boost/json/object.hpp>

#include "core/json.hpp"
#include "events/fence.hpp"

using namespace regent;
using events::Verdict;

namespace {
events::Envelope marker(const std::string& writer, int64_t epoch) {
  events::Envelope e;
  e.type = "owner.claimed";
  e.data = core::to_json(boost::json::object{{"partition", 0}, {"writer_id", writer}, {"epoch", epoch}});
  e.writer_id = writer;
  e.writer_epoch = epoch;
  return e;
}
events::Envelope event(const std::string& writer, int64_t epoch, std::string id = "", std::string prev = "") {
  events::Envelope e;
  e.id = std::move(id);
  e.type = "user.created";
  e.data = "{}";
  e.writer_id = writer;
  e.writer_epoch = epoch;
  e.writer_prev = std::move(prev);
  return e;
}
events::Envelope marker(const std::string& writer, int64_t epoch, std::string id) {
  auto m = marker(writer, epoch);
  m.id = std::move(id);
  return m;
}
}  // namespace

TEST_CASE("events before any marker are invalid") {
  events::FenceState f;
  CHECK(admit(f, event("a", 1)) == Verdict::invalid);
}

TEST_CASE("an event is valid only under the last valid marker's writer and epoch") {
  events::FenceState f;
  CHECK(admit(f, marker("a", 1)) == Verdict::marker);
  CHECK(admit(f, event("a", 1)) == Verdict::valid);
  CHECK(admit(f, marker("b", 2)) == Verdict::marker);
  CHECK(admit(f, event("a", 1)) == Verdict::invalid);  // the former owner, woken up late
  CHECK(admit(f, event("b", 2)) == Verdict::valid);
  CHECK(admit(f, event("b", 1)) == Verdict::invalid);
}

TEST_CASE("a marker whose epoch does not exceed the current one is invalid and changes nothing") {
  events::FenceState f;
  admit(f, marker("a", 5));
  CHECK(admit(f, marker("b", 5)) == Verdict::invalid);
  CHECK(admit(f, marker("b", 4)) == Verdict::invalid);
  CHECK(f.writer_id == "a");
  CHECK(f.epoch == 5);
  CHECK(admit(f, event("a", 5)) == Verdict::valid);
}

TEST_CASE("an event must name the last valid record before it: a gap invalidates what follows it") {
  events::FenceState f;
  REQUIRE(admit(f, marker("a", 1, "m1")) == Verdict::marker);
  CHECK(admit(f, event("a", 1, "e1", "m1")) == Verdict::valid);
  // e2 never reached the log (its append failed); e3 was decided on top of it and did.
  CHECK(admit(f, event("a", 1, "e3", "e2")) == Verdict::invalid);
  CHECK(admit(f, event("a", 1, "e4", "e3")) == Verdict::invalid);  // everything after the gap ...
  CHECK(admit(f, marker("a", 2, "m2")) == Verdict::marker);        // ... until a new marker
  CHECK(admit(f, event("a", 2, "e5", "m2")) == Verdict::valid);
  CHECK(f.last_id == "e5");
}

TEST_CASE("without a known predecessor (state from before the chain) the next link is trusted") {
  events::FenceState f{"a", 1, "", ""};
  CHECK(admit(f, event("a", 1, "x", "anything")) == Verdict::valid);
  CHECK(f.last_id == "x");
  CHECK(admit(f, event("a", 1, "y")) == Verdict::valid);  // no link at all: written before the chain
  CHECK(admit(f, event("a", 1, "z", "not-y")) == Verdict::invalid);  // once known, the link holds
}

TEST_CASE("a marker names where its writer takes requests, and only a valid marker changes it") {
  events::FenceState f;
  auto first = marker("a", 1, "m1");
  first.data = core::to_json(boost::json::object{{"partition", 0}, {"writer_id", "a"}, {"epoch", 1}, {"url", "http://a:8080"}});
  REQUIRE(admit(f, first) == Verdict::marker);
  CHECK(f.url == "http://a:8080");
  auto stale = marker("b", 1, "m2");  // not a newer epoch: ignored, and so is its address
  stale.data = core::to_json(boost::json::object{{"partition", 0}, {"writer_id", "b"}, {"epoch", 1}, {"url", "http://b:8080"}});
  CHECK(admit(f, stale) == Verdict::invalid);
  CHECK(f.url == "http://a:8080");
  CHECK(admit(f, marker("c", 2, "m3")) == Verdict::marker);  // a marker without one: unknown
  CHECK(f.url.empty());
}
