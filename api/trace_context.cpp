#include "api/trace_context.hpp"

#include <algorithm>

#include "core/ids.hpp"

namespace regent::api {
namespace {
bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}
}  // namespace

std::string TraceContext::traceparent() const { return "00-" + trace_id + "-" + span_id + "-" + flags; }

TraceContext trace_context(std::optional<std::string_view> traceparent, std::optional<std::string_view> tracestate) {
  TraceContext t;
  t.span_id = core::random_hex(8);
  // version 2, trace-id 32, parent-id 16, flags 2 hex digits, dash-separated. A later version may
  // append fields after a dash; version ff is invalid.
  if (traceparent && traceparent->size() >= 55) {
    std::string_view v = *traceparent;
    std::string_view version = v.substr(0, 2), trace = v.substr(3, 32), parent = v.substr(36, 16), flags = v.substr(53, 2);
    bool shaped = v[2] == '-' && v[35] == '-' && v[52] == '-' && lower_hex(version) && version != "ff" &&
                  lower_hex(trace) && lower_hex(parent) && lower_hex(flags) && !all_zero(trace) && !all_zero(parent) &&
                  (v.size() == 55 ? version == "00" : version != "00" && v[55] == '-');
    if (shaped) {
      t.trace_id = std::string(trace);
      t.parent_id = std::string(parent);
      // Only the sampled flag is defined for version 00; it is kept, the rest cleared.
      t.flags = (std::stoi(std::string(flags), nullptr, 16) & 1) ? "01" : "00";
      if (tracestate && tracestate->size() <= 512) t.tracestate = std::string(*tracestate);
    }
  }
  if (t.trace_id.empty()) t.trace_id = core::random_hex(16);
  return t;
}

}  // namespace regent::api
