#pragma once
// evolve(state, event): the state after a valid event. Events the write side does not track are
// ignored; the fence (events/fence.hpp) has already decided validity.
#include "commands/state.hpp"
#include "events/envelope.hpp"

namespace regent::commands {

void evolve(PartitionState& s, const events::Envelope& e);

}  // namespace regent::commands
