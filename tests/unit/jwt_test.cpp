#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "api/jwt.hpp"
#include "api/verified_tokens.hpp"
#include "core/crypto.hpp"

using namespace regent;
namespace fs = std::filesystem;

namespace {
const std::string kKey = "0123456789abcdef0123456789abcdef";

api::Claims claims() {
  api::Claims c;
  c.iss = c.aud = "regent";
  c.sub = "user-1";
  c.tid = "tenant-1";
  c.roles = {"admin"};
  c.iat = 1000;
  c.exp = 2000;
  c.jti = "j";
  return c;
}

api::JwtKeys ring(const std::string& spec, const std::string& secret = "") {
  auto r = api::JwtKeys::parse(spec, secret);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().detail));
  return std::move(r.value());
}

// PEM files of one Ed25519 key pair, removed at the end.
struct EdKeyFiles {
  fs::path dir = fs::temp_directory_path() / ("regent-jwt-" + std::to_string(getpid()) + "-" +
                                               std::to_string(reinterpret_cast<uintptr_t>(this)));
  core::Ed25519Key key = core::Ed25519Key::generate();
  std::string private_path = (dir / "private.pem").string();
  std::string public_path = (dir / "public.pem").string();
  EdKeyFiles() {
    fs::create_directories(dir);
    std::ofstream(private_path) << key.private_pem();
    std::ofstream(public_path) << key.public_pem();
  }
  ~EdKeyFiles() { fs::remove_all(dir); }
};

std::string json_part(const std::string& token, int index) {
  auto d1 = token.find('.'), d2 = token.rfind('.');
  std::string_view part = index == 0 ? std::string_view(token).substr(0, d1)
                                     : std::string_view(token).substr(d1 + 1, d2 - d1 - 1);
  return *core::base64url_decode(part);
}

// The token with its header replaced, signed again with `sign` (or keeping the old signature).
std::string with_header(const std::string& token, const std::string& header) {
  auto d1 = token.find('.');
  return core::base64url_encode(header) + token.substr(d1);
}
}  // namespace

TEST_CASE("a signed token verifies, keeps its claims and names its key and algorithm") {
  auto keys = ring("", kKey);
  std::string token = api::sign_jwt(claims(), keys);
  auto v = api::verify_jwt(token, keys, "regent", 1500);
  REQUIRE(v.ok());
  CHECK(v->sub == "user-1");
  CHECK(v->tid == "tenant-1");
  CHECK(v->roles == std::vector<std::string>{"admin"});
  CHECK(v->nbf == 1000);
  std::string header = json_part(token, 0);
  CHECK(header.find(R"("alg":"HS256")") != std::string::npos);
  CHECK(header.find(R"("kid":")" + keys.signer().kid + "\"") != std::string::npos);
  // The kid derived from the secret says nothing of it.
  CHECK(keys.signer().kid.rfind("hs-", 0) == 0);
  CHECK(keys.signer().kid.find(kKey.substr(0, 6)) == std::string::npos);
}

TEST_CASE("expired, early, foreign, tampered, unsigned and mis-keyed tokens are refused") {
  auto keys = ring("", kKey);
  std::string token = api::sign_jwt(claims(), keys);
  CHECK_FALSE(api::verify_jwt(token, keys, "regent", 2000).ok());  // expired
  CHECK_FALSE(api::verify_jwt(token, keys, "regent", 999).ok());   // before nbf
  CHECK_FALSE(api::verify_jwt(token, keys, "other", 1500).ok());   // wrong issuer and audience
  auto wrong_aud = claims();
  wrong_aud.aud = "someone-else";
  CHECK_FALSE(api::verify_jwt(api::sign_jwt(wrong_aud, keys), keys, "regent", 1500).ok());
  CHECK_FALSE(api::verify_jwt(token, ring("", kKey + "x"), "regent", 1500).ok());  // another secret: another kid
  // The same kid with another secret: the signature fails.
  CHECK_FALSE(api::verify_jwt(token, ring(keys.signer().kid + ":HS256:" + kKey + "x"), "regent", 1500).ok());
  auto d1 = token.find('.'), d2 = token.rfind('.');
  auto payload = json_part(token, 1);
  payload.replace(payload.find("\"admin\""), 7, "\"owner\"");
  std::string tampered = token.substr(0, d1 + 1) + core::base64url_encode(payload) + token.substr(d2);
  CHECK_FALSE(api::verify_jwt(tampered, keys, "regent", 1500).ok());
  std::string kid = keys.signer().kid;
  std::string none = core::base64url_encode(R"({"alg":"none","kid":")" + kid + R"(","typ":"JWT"})") +
                     token.substr(d1, d2 - d1) + ".";
  CHECK_FALSE(api::verify_jwt(none, keys, "regent", 1500).ok());
  CHECK_FALSE(api::verify_jwt(with_header(token, R"({"alg":"HS512","kid":")" + kid + "\"}"), keys, "regent", 1500).ok());
  CHECK_FALSE(api::verify_jwt(with_header(token, R"({"alg":"HS256","kid":"nope"})"), keys, "regent", 1500).ok());
  CHECK_FALSE(api::verify_jwt(with_header(token, R"({"alg":"HS256"})"), keys, "regent", 1500).ok());  // no kid
  CHECK_FALSE(api::verify_jwt(with_header(token, "[]"), keys, "regent", 1500).ok());
  CHECK_FALSE(api::verify_jwt("a.b", keys, "regent", 1500).ok());
  CHECK_FALSE(api::verify_jwt("a.b.c.d", keys, "regent", 1500).ok());
  CHECK_FALSE(api::verify_jwt("", keys, "regent", 1500).ok());
}

TEST_CASE("EdDSA keys sign and verify, and an HMAC made with the public key as its secret is refused") {
  EdKeyFiles files;
  auto keys = ring("ed-1:EdDSA:" + files.private_path);
  std::string token = api::sign_jwt(claims(), keys);
  CHECK(json_part(token, 0).find(R"("alg":"EdDSA")") != std::string::npos);
  REQUIRE(api::verify_jwt(token, keys, "regent", 1500).ok());
  // A verifier holding only the public key.
  auto public_only = api::JwtKeys::parse("hs:HS256:" + kKey + ",ed-1:EdDSA:" + files.public_path, "");
  REQUIRE(public_only.ok());
  CHECK(api::verify_jwt(token, public_only.value(), "regent", 1500).ok());
  // Algorithm confusion: the public PEM used as an HS256 secret, under the EdDSA key's kid.
  std::string confused_input = core::base64url_encode(R"({"alg":"HS256","kid":"ed-1","typ":"JWT"})") + "." +
                               token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1);
  std::string confused =
      confused_input + "." + core::base64url_encode(core::hmac_sha256(files.key.public_pem(), confused_input));
  CHECK_FALSE(api::verify_jwt(confused, keys, "regent", 1500).ok());
  // Another Ed25519 key under the same kid.
  EdKeyFiles other;
  CHECK_FALSE(api::verify_jwt(token, ring("ed-1:EdDSA:" + other.private_path), "regent", 1500).ok());
}

TEST_CASE("a new key signs while the previous one still verifies, until it is removed") {
  EdKeyFiles files;
  auto before = ring("old:HS256:" + kKey);
  std::string old_token = api::sign_jwt(claims(), before);
  auto rotated = ring("new:EdDSA:" + files.private_path + ",old:HS256:" + kKey);
  CHECK(rotated.signer().kid == "new");
  CHECK(api::verify_jwt(old_token, rotated, "regent", 1500).ok());
  std::string new_token = api::sign_jwt(claims(), rotated);
  CHECK(json_part(new_token, 0).find(R"("kid":"new")") != std::string::npos);
  CHECK(api::verify_jwt(new_token, rotated, "regent", 1500).ok());
  auto after = ring("new:EdDSA:" + files.private_path);
  CHECK_FALSE(api::verify_jwt(old_token, after, "regent", 1500).ok());
  CHECK(api::verify_jwt(new_token, after, "regent", 1500).ok());
}

TEST_CASE("a bad REGENT_JWT_KEYS is refused, saying what is wrong") {
  EdKeyFiles files;
  struct Bad {
    std::string spec;
    const char* says;
  };
  for (const Bad& bad : {Bad{"", "shorter than 32"}, Bad{"k1:HS256:short", "shorter than 32"},
                         Bad{"k1:HS512:" + kKey, "HS256 or EdDSA"}, Bad{"k1", "kid:HS256:secret"},
                         Bad{"k1:HS256", "kid:HS256:secret"}, Bad{":HS256:" + kKey, "a kid is"},
                         Bad{"k 1:HS256:" + kKey, "a kid is"},
                         Bad{"k1:HS256:" + kKey + ",k1:HS256:" + kKey, "given twice"},
                         Bad{"k1:EdDSA:/nonexistent.pem", "cannot read"},
                         Bad{"k1:EdDSA:" + files.public_path, "the first key signs"},
                         Bad{"k1:HS256:" + kKey + ",", "kid:HS256:secret"}}) {
    CAPTURE(bad.spec);
    auto r = api::JwtKeys::parse(bad.spec, bad.spec.empty() ? "short" : "");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().detail.find(bad.says) != std::string::npos);
    CHECK(r.error().detail.find("REGENT_JWT_KEYS") != std::string::npos);
    // No secret is ever repeated in the error.
    CHECK(r.error().detail.find(kKey) == std::string::npos);
  }
  // A file that is no key at all.
  std::ofstream(files.dir / "junk.pem") << "not a key";
  CHECK_FALSE(api::JwtKeys::parse("k1:EdDSA:" + (files.dir / "junk.pem").string(), "").ok());
}

TEST_CASE("the verified-token cache answers what verify_jwt answers, whichever token held the slot before") {
  auto keys = ring("", kKey);
  std::string token = api::sign_jwt(claims(), keys);
  api::VerifiedTokens cache(1);  // one slot: every token meets the one before it
  auto first = cache.verify(token, keys, "regent", 1500);
  REQUIRE(first.ok());
  auto again = cache.verify(token, keys, "regent", 1600);
  REQUIRE(again.ok());
  CHECK(again->get() == first->get());  // served from the slot, not verified again
  CHECK((*again)->sub == "user-1");
  // Its expiry and issuer still hold on a hit.
  CHECK_FALSE(cache.verify(token, keys, "regent", 2000).ok());
  CHECK_FALSE(cache.verify(token, keys, "other", 1500).ok());
  // A token of the same length that differs in one byte of its signature is not the cached one.
  std::string forged = token;
  forged[forged.size() - 2] = forged[forged.size() - 2] == 'A' ? 'B' : 'A';
  CHECK_FALSE(cache.verify(forged, keys, "regent", 1500).ok());
  CHECK(cache.verify(token, keys, "regent", 1500).ok());  // a failure never takes the slot
  // Another valid token takes the slot; both still verify.
  auto other_claims = claims();
  other_claims.sub = "user-2";
  std::string other = api::sign_jwt(other_claims, keys);
  auto second = cache.verify(other, keys, "regent", 1500);
  REQUIRE(second.ok());
  CHECK((*second)->sub == "user-2");
  auto back = cache.verify(token, keys, "regent", 1500);
  REQUIRE(back.ok());
  CHECK((*back)->sub == "user-1");
  // Without a cache, the same answers.
  CHECK(api::verified_claims(nullptr, token, keys, "regent", 1500).ok());
  CHECK_FALSE(api::verified_claims(nullptr, forged, keys, "regent", 1500).ok());
}
