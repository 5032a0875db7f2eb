#pragma once
// What the audit projection makes of an event, as pure functions (tested on their own).
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

// An event's data (as the decrypting reader gives it) without anything secret: hashes of
// passwords, tokens and keys, and the nonces tokens are derived from.
std::string audit_details(std::string_view data);

}  // namespace regent::projections
