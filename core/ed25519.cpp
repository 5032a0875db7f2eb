#include "core/ed25519.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace regent::core {
namespace {
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::shared_ptr<EVP_PKEY> owned(EVP_PKEY* k) { return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free); }

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}
}  // namespace

Result<Ed25519Key> Ed25519Key::from_pem(std::string_view pem) {
  auto read = [&](bool as_private) -> EVP_PKEY* {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    if (!bio) return nullptr;
    return as_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                      : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  };
  bool is_private = true;
  EVP_PKEY* k = read(true);
  if (!k) {
    is_private = false;
    k = read(false);
  }
  if (!k) return make_error(errc::validation_failed, "not a PEM private or public key");
  auto key = owned(k);
  if (EVP_PKEY_id(k) != EVP_PKEY_ED25519) return make_error(errc::validation_failed, "not an Ed25519 key");
  return Ed25519Key(std::move(key), is_private);
}

Result<Ed25519Key> Ed25519Key::from_pem_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(errc::validation_failed, "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto key = from_pem(text.str());
  if (!key) return make_error(errc::validation_failed, path + ": " + key.error().detail);
  return key;
}

Ed25519Key Ed25519Key::generate() {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!k) throw std::runtime_error("Ed25519 key generation failed");
  return Ed25519Key(owned(k), true);
}

std::string Ed25519Key::sign(std::string_view message) const {
  if (!private_) throw std::logic_error("an Ed25519 public key cannot sign");
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
    throw std::runtime_error("Ed25519 signing failed");
  sig.resize(len);
  return sig;
}

bool Ed25519Key::verify(std::string_view message, std::string_view signature) const {
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

std::string Ed25519Key::public_pem() const {
  Bio bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) throw std::runtime_error("cannot write a public key");
  return bio_text(bio.get());
}

std::string Ed25519Key::private_pem() const {
  if (!private_) throw std::logic_error("no private key");
  Bio bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw std::runtime_error("cannot write a private key");
  return bio_text(bio.get());
}

}  // namespace regent::core
