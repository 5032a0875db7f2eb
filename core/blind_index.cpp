#include "core/blind_index.hpp"

#include <mutex>
#include <stdexcept>

#include "core/crypto.hpp"

namespace regent::core {
namespace {
std::string& key() {
  static std::string k;
  return k;
}
std::once_flag& once() {
  static std::once_flag f;
  return f;
}

std::string normalised(std::string_view email) {
  std::string out(email);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

void set_blind_index_key(std::string k) {
  if (k.size() < 32) throw std::invalid_argument("the blind index key must be at least 32 bytes");
  // Set once: a second, different key in the same process would split the index in two.
  bool set = false;
  std::call_once(once(), [&] { key() = std::move(k), set = true; });
  if (!set && key() != k) throw std::logic_error("the blind index key is set already, to another key");
}

bool has_blind_index_key() { return !key().empty(); }

std::string blind_index_fingerprint() {
  if (key().empty()) throw std::logic_error("the blind index key is not set");
  return base64url_encode(hmac_sha256(key(), "regent blind index fingerprint v1"));
}

std::string email_index(std::string_view email) {
  if (key().empty()) throw std::logic_error("the blind index key is not set");
  return base64url_encode(hmac_sha256(key(), "regent email index v1\n" + normalised(email)));
}

}  // namespace regent::core
