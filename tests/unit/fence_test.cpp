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
events::Envelope event(const std::string& writer, int64_t epoch) {
  events::Envelope e;
  e.type = "user.created";
  e.data = "{}";
  e.writer_id = writer;
  e.writer_epoch = epoch;
  return e;
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
  auto m = marker("a", 1);
  m.id = "m1";
  REQUIRE(admit(f, m) == Verdict::marker);
  auto e1 = event("a", 1);
  e1.id = "e1";
  e1.writer_prev = "m1";
  CHECK(admit(f, e1) == Verdict::valid);
  // e2 never reached the log (its append failed); e3 was decided on top of it and did.
  auto e3 = event("a", 1);
  e3.id = "e3";
  e3.writer_prev = "e2";
  CHECK(admit(f, e3) == Verdict::invalid);
  auto e4 = event("a", 1);
  e4.id = "e4";
  e4.writer_prev = "e3";
  CHECK(admit(f, e4) == Verdict::invalid);  // everything after the gap, until a new marker
  auto m2 = marker("a", 2);
  m2.id = "m2";
  CHECK(admit(f, m2) == Verdict::marker);
  auto e5 = event("a", 2);
  e5.id = "e5";
  e5.writer_prev = "m2";
  CHECK(admit(f, e5) == Verdict::valid);
  CHECK(f.last_id == "e5");
}

TEST_CASE("without a known predecessor (state from before the chain) the next link is trusted") {
  events::FenceState f{"a", 1, ""};
  auto e = event("a", 1);
  e.id = "x";
  e.writer_prev = "anything";
  CHECK(admit(f, e) == Verdict::valid);
  CHECK(f.last_id == "x");
  auto legacy = event("a", 1);  // no link at all
  legacy.id = "y";
  CHECK(admit(f, legacy) == Verdict::valid);
}
