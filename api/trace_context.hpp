#pragma once
// W3C Trace Context (https://www.w3.org/TR/trace-context/): a request carries the trace it belongs
// to in `traceparent` (and vendors' state in `tracestate`), or starts one. Regent's handling of the
// request is a span of that trace: its id is new, its parent the caller's. The trace goes on every
// event the request appends (the CloudEvents distributed-tracing extension: `traceparent`,
// `tracestate`), back to the caller in the answer's headers, and into the request's log line, so a
// request can be followed from HTTP to Kafka to every read model.
#include <optional>
#include <string>
#include <string_view>

namespace regent::api {

struct TraceContext {
  std::string trace_id;   // 32 lower-case hex digits, never all zero
  std::string span_id;    // this request's: 16 hex digits
  std::string parent_id;  // the caller's span, empty when the trace starts here
  std::string flags = "00";
  std::string tracestate;  // passed on as received, only with a valid traceparent
  // Version 00: "00-<trace_id>-<span_id>-<flags>".
  std::string traceparent() const;
};

// The request's span, in the caller's trace when `traceparent` is valid, else in a new one (an
// invalid header is not an error: W3C says to start anew).
TraceContext trace_context(std::optional<std::string_view> traceparent, std::optional<std::string_view> tracestate);

}  // namespace regent::api
