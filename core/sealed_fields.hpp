#pragma once
// Personal fields sealed with AES-256-GCM under their user's data key (DESIGN.md decision 6):
// `pd1.<nonce>.<ciphertext and tag>`, both base64url, a fresh 96-bit nonce per field, and the
// event id and the field's name as associated data, so that a sealed value cannot be moved to
// another event or field unnoticed.
#include <optional>
#include <string>
#include <string_view>

namespace regent::core {

inline constexpr size_t kDataKeyBytes = 32;

std::string seal_field(std::string_view key, std::string_view plaintext, std::string_view event_id,
                       std::string_view field);
// The clear value, or nullopt when the key, the event, the field or the value is not the one it
// was sealed with (never garbage).
std::optional<std::string> open_field(std::string_view key, std::string_view sealed, std::string_view event_id,
                                      std::string_view field);
bool is_sealed(std::string_view value);

// A personal value as the command state keeps it: as its event carried it (sealed, or clear in an
// event from before sealing) with the id of that event, which opening it needs.
struct Sealed {
  std::string value;
  std::string event_id;
  bool empty() const { return value.empty(); }
  bool operator==(const Sealed&) const = default;
};
// The clear value: opened under `key`, or as it is when it was never sealed; nullopt when it does
// not open (no key: erased).
std::optional<std::string> reveal(const std::optional<std::string>& key, const Sealed& s, std::string_view field);

namespace detail {
// AES-256-GCM with a given nonce: ciphertext followed by the 16-byte tag (for known-answer tests,
// and for wrapping data keys under the master key).
std::string gcm_seal(std::string_view key, std::string_view nonce, std::string_view plaintext, std::string_view aad);
std::optional<std::string> gcm_open(std::string_view key, std::string_view nonce, std::string_view sealed,
                                    std::string_view aad);
}  // namespace detail

}  // namespace regent::core
