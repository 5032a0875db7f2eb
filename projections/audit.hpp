#pragma once
// What the audit projection makes of an event, as pure functions (tested on their own).
#include <optional>
#include <string>
#include <string_view>

namespace regent::projections {

// The resource an event's subject names: its last collection and id, the collection singular
// ("users/<id>" → user; "users/<id>/sessions/<s>" → session <s>), or a singleton after an id
// ("users/<id>/wallet" → wallet <id>).
struct AuditResource {
  std::string type;
  std::string id;
};
AuditResource audit_resource(std::string_view subject);

// What an entry takes from an event's data (as the decrypting reader gives it), read in one parse.
struct AuditDetails {
  std::string json;        // the data without anything secret: hashes of passwords, tokens and keys,
                           // and the nonces tokens are derived from
  std::string user_id;     // data.user_id, if any
  // A sign-in's origin, from its personal fields (the envelope carries every request's; events from
  // before it did have only these).
  std::optional<std::string> ip, user_agent;
};
AuditDetails audit_details(std::string_view data);

}  // namespace regent::projections
