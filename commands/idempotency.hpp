#pragma once
// Idempotency keys (API.md): the same key and the same request within 24 h get the first answer
// again; the same key with another request is refused; a key whose first request is still in
// flight is a conflict. Keys travel in the events (idempotencykey, requesthash), so rebuilding a
// partition from the log rebuilds them. Keys are scoped to the caller's tenant; a sign-up has no
// tenant yet, so sign-up keys are scoped to their partition's sign-ups.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "commands/position.hpp"
#include "core/clock.hpp"
#include "core/errc.hpp"
#include "events/envelope.hpp"

namespace regent::commands {

inline constexpr core::UnixMillis kIdempotencyWindow = 24LL * 3600 * 1000;

struct IdempotencyRecord {
  std::string request_hash;
  core::UnixMillis at = 0;  // when the first request was decided
  std::string tenant_id;    // of its events
  bool pending = false;     // decided, not yet acknowledged by the log
  std::vector<events::Envelope> events;
  Position position;
  std::optional<core::Error> refusal;  // a refused command appends nothing: remembered in memory only
};

class IdempotencyIndex {
 public:
  // The record of `key` if it is younger than the window at `now`.
  IdempotencyRecord* find(const std::string& key, core::UnixMillis now);
  IdempotencyRecord& add(const std::string& key, IdempotencyRecord record);
  size_t size() const { return records_.size(); }
  const std::unordered_map<std::string, IdempotencyRecord>& records() const { return records_; }

 private:
  void expire(core::UnixMillis now);
  std::unordered_map<std::string, IdempotencyRecord> records_;
  std::deque<std::pair<core::UnixMillis, std::string>> order_;  // oldest first, for expiry
};

}  // namespace regent::commands
