#pragma once
// The CloudEvents 1.0 envelope every event travels in (structured JSON mode), with Regent's
// extension attributes. `data` is kept as its JSON text: each event type gives it meaning.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace regent::events {

struct Envelope {
  std::string id;
  std::string source;   // /tenants/<id>, or /partitions/<n> for ownership markers
  std::string type;
  std::string subject;  // users/<id>, tenants/<id>, ...
  std::string time;     // RFC 3339 with milliseconds
  std::string data;     // a JSON object
  std::string tenant_id;
  std::string actor_id;
  std::string actor_type = "system";  // user | api_key | system
  int64_t sequence = 1;               // the aggregate's version after this event
  std::string correlation_id;
  std::string causation_id;
  std::string request_id;
  std::string traceparent;  // CloudEvents distributed-tracing extension: the W3C Trace Context
  std::string tracestate;   // of the request that appended the event
  std::string idempotency_key;
  std::string request_hash;  // keyed hash of the request that carried the idempotency key
  // The request's client address and User-Agent: personal when a user acts (sealed under its data
  // key, events/personal_fields.hpp), an API key's client's in clear; empty for Regent's own.
  std::string ip;
  std::string user_agent;
  std::string writer_id;
  int64_t writer_epoch = 0;
  std::string writer_prev;  // id of the writer's previous record in this partition (the chain)
  // Where a reader found it in the log: not part of the event (never serialised); -1 when unknown.
  int32_t log_partition = -1;
  int64_t log_offset = -1;
};

std::string to_json(const Envelope& e);
core::Result<Envelope> parse_envelope(std::string_view json);

}  // namespace regent::events
