#pragma once
// Password hashing with argon2id at OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
// Both calls take tens of milliseconds of CPU: run them on a worker pool, never on an I/O thread.
#include <string>
#include <string_view>

namespace regent::core {

std::string hash_password(std::string_view password);  // PHC string "$argon2id$v=19$m=19456,..."
bool verify_password(std::string_view encoded_hash, std::string_view password);

// A hash of a random password, to verify against when an account does not exist, so that a
// missing account and a wrong password take the same time.
const std::string& decoy_password_hash();

}  // namespace regent::core
