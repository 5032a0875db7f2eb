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
