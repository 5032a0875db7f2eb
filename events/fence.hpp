#pragma once
// The ownership fence of DESIGN.md decision 2, as one rule every reader applies in log order:
// a marker is valid when its epoch exceeds the last valid marker's; any other event is valid when
// it carries the writer id and epoch of the last valid marker before it and names, as `writerprev`,
// the last valid record before it (the chain). The chain lets a writer keep several appends in
// flight: if one fails, whatever of the later ones still lands names a predecessor that is not in
// the log, and every reader rejects it and all that follows, until the writer's next marker.
#include <cstdint>
#include <optional>
#include <string>

#include "events/envelope.hpp"

namespace regent::events {

struct FenceState {
  std::string writer_id;
  int64_t epoch = 0;
  // The id of the last valid record (marker or event) under this epoch. Empty when not known
  // (state saved before the chain existed): the next event's link is then taken on trust.
  std::string last_id;
  std::string url;  // where the marker's writer takes requests (empty if it did not say)
};

enum class Verdict { valid, marker, invalid };

// Classifies `e` and, for a valid marker, advances `fence`.
Verdict admit(FenceState& fence, const Envelope& e);

// Reads the writer, its epoch and its URL out of an owner.claimed marker's data.
struct Claim {
  std::string writer_id;
  int64_t epoch = 0;
  std::string url;
};
std::optional<Claim> marker_claim(const Envelope& e);

}  // namespace regent::events
