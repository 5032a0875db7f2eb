#pragma once
// The keyed blind index of an email (DESIGN.md decision 6): what the command side decides unique
// emails and finds sign-ins by, so that it never needs the clear value, which events will carry
// sealed. HMAC-SHA256 of the normalised (lower-cased) email under the server's index key, set once
// per process at start (REGENT_BLIND_INDEX_KEY). Changing the key would make every stored index
// unfindable: it is set apart from the other secrets and never changes.
#include <string>
#include <string_view>

namespace regent::core {

void set_blind_index_key(std::string key);
bool has_blind_index_key();
// base64url, 43 characters. Throws std::logic_error when no key was set.
std::string email_index(std::string_view email);
// What tells this key from another without revealing it (an HMAC of a fixed text under it).
std::string blind_index_fingerprint();

}  // namespace regent::core
