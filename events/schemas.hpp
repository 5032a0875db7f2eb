#pragma once
// The JSON Schemas of every event type (schemas/events/), compiled into the binary.
#include <string>
#include <vector>

#include "core/errc.hpp"
#include "events/envelope.hpp"

namespace regent::events {

// Field errors of the serialised event `json` against the schema of its type; empty when valid.
std::vector<core::FieldError> validate_event_json(std::string_view json);

}  // namespace regent::events
