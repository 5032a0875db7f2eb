#include "events/history.hpp"

#include "core/log.hpp"

namespace regent::events {
namespace {
const core::Logger logger("events");
}

void History::add(int32_t partition, const std::vector<Record>& records, const std::vector<int64_t>& offsets) {
  std::lock_guard lock(mu_);
  auto& log = partitions_.at(static_cast<size_t>(partition));
  for (size_t i = 0; i < records.size() && i < offsets.size(); ++i) {
    if (offsets[i] < 0) continue;
    if (offsets[i] != static_cast<int64_t>(log.size())) {
      // Only this process appends to the embedded log, so offsets are dense; anything else would
      // make the mirror lie. Readers then get what the mock has, and fail loudly where it lacks.
      logger.error("the embedded log's mirror lost step", {{"partition", std::to_string(partition)},
                                                          {"expected", std::to_string(log.size())},
                                                          {"offset", std::to_string(offsets[i])}});
      broken_ = true;
      continue;
    }
    log.push_back({records[i].key, records[i].value});
  }
  grown_.notify_all();
}

int64_t History::size(int32_t partition) const {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(partitions_.at(static_cast<size_t>(partition)).size());
}

std::optional<Message> History::at(int32_t partition, int64_t offset) const {
  std::lock_guard lock(mu_);
  const auto& log = partitions_.at(static_cast<size_t>(partition));
  if (offset < 0 || offset >= static_cast<int64_t>(log.size())) return std::nullopt;
  const auto& s = log[static_cast<size_t>(offset)];
  return Message{partition, offset, s.key, s.value};
}

void History::mark_broken() {
  std::lock_guard lock(mu_);
  if (!broken_) logger.warn("an append failed: readers of the embedded log fetch from the mock cluster from now on");
  broken_ = true;
  grown_.notify_all();
}

bool History::broken() const {
  std::lock_guard lock(mu_);
  return broken_;
}

void History::wait_for_more(const std::map<int32_t, int64_t>& from, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  grown_.wait_for(lock, timeout, [&] {
    if (broken_) return true;
    for (const auto& [p, offset] : from)
      if (offset < static_cast<int64_t>(partitions_.at(static_cast<size_t>(p)).size())) return true;
    return false;
  });
}

}  // namespace regent::events
