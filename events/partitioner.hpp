#pragma once
// Which partition a key goes to. Regent chooses partitions itself, with the same murmur2 hash as
// Kafka's Java clients, so that every writer and reader agrees without asking the client library.
#include <cstdint>
#include <string_view>

namespace regent::events {

uint32_t murmur2(std::string_view key);
int32_t partition_for(std::string_view key, int32_t partitions);

}  // namespace regent::events
