#pragma once
// Ed25519 keys through OpenSSL 3: the EdDSA of signed tokens. A key read from a private PEM signs
// and verifies; one read from a public PEM only verifies.
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

struct evp_pkey_st;

namespace regent::core {

class Ed25519Key {
 public:
  static Result<Ed25519Key> from_pem(std::string_view pem);  // private or public
  static Result<Ed25519Key> from_pem_file(const std::string& path);
  static Ed25519Key generate();

  bool can_sign() const { return private_; }
  std::string sign(std::string_view message) const;  // 64 bytes; throws without a private key
  bool verify(std::string_view message, std::string_view signature) const;
  std::string public_pem() const;
  std::string private_pem() const;  // throws without a private key

 private:
  Ed25519Key(std::shared_ptr<evp_pkey_st> key, bool is_private) : key_(std::move(key)), private_(is_private) {}
  std::shared_ptr<evp_pkey_st> key_;
  bool private_ = false;
};

}  // namespace regent::core
