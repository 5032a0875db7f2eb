#pragma once
// A partition's command state as one document, so that start-up reads a snapshot and the log's
// tail instead of the whole history. Pure: encode and decode, no I/O. The encoding is canonical
// (everything sorted), so two states are equal exactly when their encodings are.
#include <string>
#include <string_view>

#include "commands/state.hpp"
#include "core/result.hpp"

namespace regent::commands {

// 2: the fence keeps the chain's last id; 3: and the owner's URL; 4: sign-ins (sessions); 5: invitations
// and API keys; 6: permissions; 7: emails' blind indexes; 8: personal values sealed, with their events
inline constexpr int kSnapshotFormat = 8;

// Everything `evolve` built, and the idempotency records whose events are in the log. Refusals
// remembered for idempotency are left out: they live in memory only.
std::string encode_snapshot(const PartitionState& s);
core::Result<PartitionState> decode_snapshot(std::string_view text);

}  // namespace regent::commands
