#pragma once
// The personal fields of an event (DESIGN.md decision 6): every member of `data.personal`, and
// `data.password_hash`. They are sealed under the data key of the person the event is about,
// `data.user_id` (an invitation names its invitee's id before the user exists), each bound to the
// event's id and its own name ("personal.email", "password_hash"), so that the log carries no
// personal value in clear and erasing the person's key makes every copy of them unreadable.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "events/envelope.hpp"

namespace regent::events {

// Whether `data` (a JSON object) has personal fields to seal: cheap, no parsing.
bool has_personal(std::string_view data);
// Whether any of its fields is sealed: what a reader opens.
bool has_sealed(std::string_view data);
// Whose key seals them: data.user_id, or nullopt when the event names nobody.
std::optional<std::string> personal_owner(std::string_view data);

// `data` with every personal string field sealed under `key` (core/sealed_fields.hpp).
std::string seal_personal(std::string_view data, std::string_view key, std::string_view event_id);
// The same under the key `key_of` gives for its owner (data.user_id), in one parse; nullopt when
// there is no owner or no key for it.
std::optional<std::string> seal_personal(
    std::string_view data, std::string_view event_id,
    const std::function<std::optional<std::string>(const std::string& owner)>& key_of);

// `data` as a reader sees it: each sealed field opened under `key`, or null when it does not open
// (no key: the person was erased); values from before sealing are left as they are. The password
// hash is left out whatever the key: no reader has a use for it.
std::string open_personal(std::string_view data, const std::optional<std::string>& key, std::string_view event_id);

// The envelope's personal attributes, ip and useragent: a request's origin is its acting user's
// personal data, sealed under that user's key (an API key's client is a machine: left clear; Regent's
// own requests have none). Whose key seals them: actorid when actortype is user, else nobody.
std::optional<std::string> origin_owner(const Envelope& e);
// Seals e.ip and e.user_agent under `key` (after e.id is set).
void seal_origin(Envelope& e, std::string_view key);
// Opens them under `key`; each reads as empty when it does not open (erased). Clear ones are left.
void open_origin(Envelope& e, const std::optional<std::string>& key);

// The name a field is sealed under: "personal.<name>", or "password_hash".
std::string personal_field(std::string_view name);

}  // namespace regent::events
