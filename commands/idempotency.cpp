#include "commands/idempotency.hpp"

namespace regent::commands {

IdempotencyRecord* IdempotencyIndex::find(const std::string& key, core::UnixMillis now) {
  expire(now);
  auto it = records_.find(key);
  if (it == records_.end() || it->second.at <= now - kIdempotencyWindow) return nullptr;
  return &it->second;
}

IdempotencyRecord& IdempotencyIndex::add(const std::string& key, IdempotencyRecord record) {
  expire(record.at);
  order_.emplace_back(record.at, key);
  auto& slot = records_[key];
  slot = std::move(record);
  return slot;
}

void IdempotencyIndex::expire(core::UnixMillis now) {
  while (!order_.empty() && order_.front().first <= now - kIdempotencyWindow) {
    auto it = records_.find(order_.front().second);
    // A key reused after expiry has a newer record: only the one this entry stands for goes.
    if (it != records_.end() && it->second.at == order_.front().first) records_.erase(it);
    order_.pop_front();
  }
}

}  // namespace regent::commands
