#include "events/envelope.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/json.hpp"

namespace regent::events {

std::string to_json(const Envelope& e) {
  boost::json::object o;
  o["specversion"] = "1.0";
  o["id"] = e.id;
  o["source"] = e.source;
  o["type"] = e.type;
  o["subject"] = e.subject;
  o["time"] = e.time;
  o["datacontenttype"] = "application/json";
  o["data"] = boost::json::parse(e.data);
  auto opt = [&](const char* k, const std::string& v) {
    if (!v.empty()) o[k] = v;
  };
  opt("tenantid", e.tenant_id);
  opt("actorid", e.actor_id);
  o["actortype"] = e.actor_type;
  o["sequence"] = e.sequence;
  opt("correlationid", e.correlation_id);
  opt("causationid", e.causation_id);
  opt("requestid", e.request_id);
  opt("traceparent", e.traceparent);
  opt("tracestate", e.tracestate);
  opt("idempotencykey", e.idempotency_key);
  opt("requesthash", e.request_hash);
  opt("ip", e.ip);
  opt("useragent", e.user_agent);
  o["writerid"] = e.writer_id;
  o["writerepoch"] = e.writer_epoch;
  opt("writerprev", e.writer_prev);
  return boost::json::serialize(o);
}

core::Result<Envelope> parse_envelope(std::string_view json) {
  using core::errc;
  auto doc = core::JsonDocument::parse(json);
  if (!doc) return core::make_error(errc::invalid_json, "event is not JSON");
  auto root = doc->root();
  if (!root.is_object()) return core::make_error(errc::invalid_json, "event is not an object");
  Envelope e;
  auto str = [&](std::string_view key, std::string& out, bool required) {
    auto v = core::get_string(root, key);
    if (v) out = std::string(*v);
    return v.has_value() || !required;
  };
  auto spec = core::get_string(root, "specversion");
  simdjson::dom::object data;
  if (!spec || *spec != "1.0" || !str("id", e.id, true) || !str("source", e.source, true) ||
      !str("type", e.type, true) || !str("time", e.time, true) ||
      root["data"].get(data) != simdjson::SUCCESS)
    return core::make_error(errc::validation_failed, "not a CloudEvents 1.0 event");
  str("subject", e.subject, false);
  str("tenantid", e.tenant_id, false);
  str("actorid", e.actor_id, false);
  str("actortype", e.actor_type, false);
  str("correlationid", e.correlation_id, false);
  str("causationid", e.causation_id, false);
  str("requestid", e.request_id, false);
  str("traceparent", e.traceparent, false);
  str("tracestate", e.tracestate, false);
  str("idempotencykey", e.idempotency_key, false);
  str("requesthash", e.request_hash, false);
  str("ip", e.ip, false);
  str("useragent", e.user_agent, false);
  str("writerid", e.writer_id, false);
  str("writerprev", e.writer_prev, false);
  e.sequence = core::get_int(root, "sequence").value_or(0);
  e.writer_epoch = core::get_int(root, "writerepoch").value_or(0);
  e.data = simdjson::to_string(data);
  return e;
}

}  // namespace regent::events
