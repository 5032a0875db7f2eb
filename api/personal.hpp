#pragma once
// Personal values in API answers (DESIGN.md decision 6). The command state keeps them sealed, as
// their events carry them; answers open them with the user's data key, and show null once the
// user is erased. Commands whose events carry personal fields fetch the key first, so that the
// writer, which does no I/O, finds it at hand.
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "core/sealed_fields.hpp"

namespace regent::api {

struct Services;

// Every function here that reads the key store throws QueryFailed (api/queries.hpp) when it
// cannot be reached, which the router answers with 503 and Retry-After: a store that does not
// answer never reads as an erased user.

// The user's data key, or nullopt once it is erased (read once, then kept by this process).
std::optional<std::string> data_key(const Services& svc, const core::UserId& user);
// Before a command that seals fields under the key of a user the tenant has: makes sure the key is
// at hand (nothing is made for an id the tenant lacks: the command is refused anyway).
void fetch_data_key(const Services& svc, const core::TenantId& tenant, const core::UserId& user);
// The same for a user the command creates (its id chosen by the handler): makes its key.
void make_data_key(const Services& svc, const core::TenantId& tenant, const core::UserId& user);

// Deletes the user's key after its erasure is in the log; a failure is logged (the erasures
// projection deletes it too).
void erase_data_key(const Services& svc, const core::UserId& user);

// The clear value of a personal field (`email`, `password_hash`, ...) under `key`; nullopt when it
// does not open (erased).
std::optional<std::string> revealed(const std::optional<std::string>& key, const core::Sealed& value,
                                    std::string_view field);
// The same as an answer shows it: null when it does not open or is empty.
boost::json::value shown(const std::optional<std::string>& key, const core::Sealed& value, std::string_view field);

}  // namespace regent::api
