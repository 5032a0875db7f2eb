#include "core/sealed_fields.hpp"

#include <memory>
#include <openssl/evp.h>
#include <stdexcept>

#include "core/crypto.hpp"

namespace regent::core {
namespace {
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr std::string_view kPrefix = "pd1.";

using Ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// Fetched once: EVP_aes_256_gcm() makes OpenSSL 3 look the implementation up on every init, which
// cost more than sealing a field itself (bench/README.md, personal data).
const EVP_CIPHER* aes_256_gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (!cipher) throw std::runtime_error("OpenSSL has no AES-256-GCM");
  return cipher;
}

// One context per thread, reset for each use rather than allocated.
EVP_CIPHER_CTX* context() {
  thread_local Ctx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  if (!ctx || EVP_CIPHER_CTX_reset(ctx.get()) != 1) throw std::runtime_error("AES-256-GCM: no cipher context");
  return ctx.get();
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::string aad_of(std::string_view event_id, std::string_view field) {
  std::string aad(event_id);
  aad += '\n';
  aad += field;
  return aad;
}
}  // namespace

namespace detail {
std::string gcm_seal(std::string_view key, std::string_view nonce, std::string_view plaintext, std::string_view aad) {
  if (key.size() != kDataKeyBytes || nonce.size() != kNonceBytes) throw std::invalid_argument("AES-256-GCM: bad key or nonce size");
  EVP_CIPHER_CTX* ctx = context();
  std::string out(plaintext.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int n = 0, m = 0;
  // A 96-bit nonce is GCM's default length: key and nonce go in with the cipher, in one call.
  bool ok = EVP_EncryptInit_ex(ctx, aes_256_gcm(), nullptr, bytes(key), bytes(nonce)) == 1 &&
            EVP_EncryptUpdate(ctx, nullptr, &n, bytes(aad), static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx, o, &n, bytes(plaintext), static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx, o + n, &m) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, o + plaintext.size()) == 1;
  if (!ok) throw std::runtime_error("AES-256-GCM encryption failed");
  return out;
}

std::optional<std::string> gcm_open(std::string_view key, std::string_view nonce, std::string_view sealed,
                                    std::string_view aad) {
  if (key.size() != kDataKeyBytes || nonce.size() != kNonceBytes || sealed.size() < kTagBytes) return std::nullopt;
  size_t length = sealed.size() - kTagBytes;
  EVP_CIPHER_CTX* ctx = context();
  std::string out(length, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  std::string tag(sealed.substr(length));
  int n = 0, m = 0;
  bool ok = EVP_DecryptInit_ex(ctx, aes_256_gcm(), nullptr, bytes(key), bytes(nonce)) == 1 &&
            EVP_DecryptUpdate(ctx, nullptr, &n, bytes(aad), static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx, o, &n, bytes(sealed), static_cast<int>(length)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx, o + n, &m) == 1;  // fails unless the tag verifies
  if (!ok) return std::nullopt;
  return out;
}
}  // namespace detail

std::string seal_field(std::string_view key, std::string_view plaintext, std::string_view event_id,
                       std::string_view field) {
  std::string nonce(kNonceBytes, '\0');
  random_bytes(reinterpret_cast<unsigned char*>(nonce.data()), nonce.size());
  return std::string(kPrefix) + base64url_encode(nonce) + "." +
         base64url_encode(detail::gcm_seal(key, nonce, plaintext, aad_of(event_id, field)));
}

std::optional<std::string> open_field(std::string_view key, std::string_view sealed, std::string_view event_id,
                                      std::string_view field) {
  if (!is_sealed(sealed)) return std::nullopt;
  sealed.remove_prefix(kPrefix.size());
  auto dot = sealed.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto nonce = base64url_decode(sealed.substr(0, dot));
  auto body = base64url_decode(sealed.substr(dot + 1));
  if (!nonce || !body) return std::nullopt;
  return detail::gcm_open(key, *nonce, *body, aad_of(event_id, field));
}

bool is_sealed(std::string_view value) { return value.starts_with(kPrefix); }

std::optional<std::string> reveal(const std::optional<std::string>& key, const Sealed& s, std::string_view field) {
  if (!is_sealed(s.value)) return s.value;
  if (!key) return std::nullopt;
  return open_field(*key, s.value, s.event_id, field);
}

}  // namespace regent::core
