#include "core/password.hpp"

#include <argon2.h>

#include <stdexcept>

#include "core/crypto.hpp"

namespace regent::core {
namespace {
constexpr uint32_t kTimeCost = 2;
constexpr uint32_t kMemoryKiB = 19456;
constexpr uint32_t kLanes = 1;
constexpr size_t kSaltLen = 16;
constexpr size_t kHashLen = 32;
}  // namespace

std::string hash_password(std::string_view password) {
  unsigned char salt[kSaltLen];
  random_bytes(salt, sizeof salt);
  size_t len = argon2_encodedlen(kTimeCost, kMemoryKiB, kLanes, kSaltLen, kHashLen, Argon2_id);
  std::string encoded(len, '\0');
  int rc = argon2id_hash_encoded(kTimeCost, kMemoryKiB, kLanes, password.data(), password.size(),
                                 salt, kSaltLen, kHashLen, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) throw std::runtime_error(argon2_error_message(rc));
  encoded.resize(std::char_traits<char>::length(encoded.c_str()));
  return encoded;
}

bool verify_password(std::string_view encoded_hash, std::string_view password) {
  std::string h(encoded_hash);
  return argon2id_verify(h.c_str(), password.data(), password.size()) == ARGON2_OK;
}

const std::string& decoy_password_hash() {
  static const std::string h = hash_password(random_token(24));
  return h;
}

}  // namespace regent::core
