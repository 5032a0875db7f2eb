#pragma once
// evolve(state, event): the state after a valid event. Events the write side does not track are
// ignored; the fence (events/fence.hpp) has already decided validity.
#include <optional>

#include "commands/position.hpp"
#include "commands/state.hpp"
#include "events/envelope.hpp"

namespace regent::commands {

void evolve(PartitionState& s, const events::Envelope& e);

// The idempotency bookkeeping of an event that carried a key. `at` is the event's position once
// known (acknowledged, or read from the log); until then its command's record is pending.
void remember_key(PartitionState& s, const events::Envelope& e, std::optional<Position> at);

// The keys of `scope`: a tenant id, or "" for sign-ups; null for a tenant the partition lacks.
IdempotencyIndex* key_index(PartitionState& s, const std::string& scope);

// The record of `key` in `scope`, if younger than 24 h at `now`.
IdempotencyRecord* find_key(PartitionState& s, const std::string& scope, const std::string& key, core::UnixMillis now);

}  // namespace regent::commands
