// Regent's access tokens judged by a JWT library Regent did not write (PyJWT, Debian's
// python3-jwt), and signing keys rotated on a running deployment without signing anyone out.

#include <fstream>

#include "core/ed25519.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;

namespace {
const std::string kSecret = "an hs256 secret of more than thirty-two characters";

// Runs PyJWT's decode on `token` with `key` (a secret or a public PEM) for `algorithm`, checking
// issuer, audience and the time claims; returns its exit code and what it printed (the subject).
std::pair<int, std::string> pyjwt_decode(const TempDir& dir, const std::string& token, const std::string& key,
                                         const std::string& algorithm) {
  std::string script = dir.path() + "/decode.py";
  std::ofstream(script) << R"(import os, sys, jwt
claims = jwt.decode(os.environ["TOKEN"], os.environ["KEY"], algorithms=[os.environ["ALG"]],
                    audience="regent", issuer="regent",
                    options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]})
header = jwt.get_unverified_header(os.environ["TOKEN"])
print(claims["sub"], header["kid"])
)";
  std::string key_file = dir.path() + "/key";
  std::ofstream(key_file) << key;
  return shell("TOKEN='" + token + "' KEY=\"$(cat '" + key_file + "')\" ALG='" + algorithm + "' /usr/bin/python3 '" +
               script + "'");
}

}  // namespace

TEST_CASE("PyJWT verifies Regent's HS256 and EdDSA tokens, and refuses them with another key") {
  TempDir keys;
  auto ed = regent::core::Ed25519Key::generate();
  std::ofstream(keys.path() + "/ed.pem") << ed.private_pem();
  DevServer dev(std::map<std::string, std::string>{
      {"REGENT_JWT_KEYS", "ed-1:EdDSA:" + keys.path() + "/ed.pem,hs-1:HS256:" + kSecret}});
  Tenant t(dev.port(), "pyjwt");
  std::string token = t.admin;

  auto [code, out] = pyjwt_decode(keys, token, ed.public_pem(), "EdDSA");
  CHECK_MESSAGE(code == 0, out);
  CHECK(out == t.admin_id + " ed-1\n");
  auto other = regent::core::Ed25519Key::generate();
  auto [bad_code, bad_out] = pyjwt_decode(keys, token, other.public_pem(), "EdDSA");
  CHECK(bad_code != 0);
  CHECK(bad_out.find("InvalidSignatureError") != std::string::npos);
  auto [alg_code, alg_out] = pyjwt_decode(keys, token, kSecret, "HS256");
  CHECK(alg_code != 0);  // the token is EdDSA's: PyJWT refuses the algorithm
}

TEST_CASE("PyJWT verifies the HS256 tokens of the default key") {
  DevServer dev;
  Tenant t(dev.port(), "pyhs");
  std::string token = t.admin;
  std::ifstream key_file(dev.dir.path() + "/jwt.key");
  std::string secret;
  std::getline(key_file, secret);
  auto [code, out] = pyjwt_decode(dev.dir, token, secret, "HS256");
  CHECK_MESSAGE(code == 0, out);
  CHECK(out.rfind(t.admin_id + " hs-", 0) == 0);
  auto [bad_code, bad_out] = pyjwt_decode(dev.dir, token, secret + "x", "HS256");
  CHECK(bad_code != 0);
}

TEST_CASE("a new signing key takes over while tokens of the previous one still work, until it is dropped") {
  TempDir keys;
  auto ed = regent::core::Ed25519Key::generate();
  std::ofstream(keys.path() + "/ed.pem") << ed.private_pem();
  DevServer dev(std::map<std::string, std::string>{{"REGENT_JWT_KEYS", "before:HS256:" + kSecret}});
  signup(dev.port(), "rotate", "ada@rotate.test");
  std::string old_token = login(dev.port(), "rotate", "ada@rotate.test");
  REQUIRE(get(dev.port(), "/v1/me", old_token).status == 200);

  // Rotated: the new key signs, the old one still verifies.
  dev.proc->terminate();
  dev.extra_env["REGENT_JWT_KEYS"] = "after:EdDSA:" + keys.path() + "/ed.pem,before:HS256:" + kSecret;
  dev.start();
  CHECK(get(dev.port(), "/v1/me", old_token).status == 200);
  std::string new_token = login(dev.port(), "rotate", "ada@rotate.test");
  auto [code, out] = pyjwt_decode(keys, new_token, ed.public_pem(), "EdDSA");
  CHECK_MESSAGE(code == 0, out);
  CHECK(out.find(" after\n") != std::string::npos);

  // The old key dropped once its tokens have expired: they are refused, the new ones still work.
  dev.proc->terminate();
  dev.extra_env["REGENT_JWT_KEYS"] = "after:EdDSA:" + keys.path() + "/ed.pem";
  dev.start();
  check_problem(get(dev.port(), "/v1/me", old_token), 401, "unauthenticated");
  CHECK(get(dev.port(), "/v1/me", new_token).status == 200);
}

TEST_CASE("serve refuses a bad REGENT_JWT_KEYS before it starts anything") {
  TempDir dir;
  std::map<std::string, std::string> env{{"REGENT_KAFKA_BROKERS", "127.0.0.1:1"},
                                         {"REGENT_JWT_SECRET", std::string(40, 'k')},
                                         {"REGENT_JWT_KEYS", "k1:HS256:short"}};
  CHECK_THROWS_WITH_AS(RegentProcess({"serve"}, env, dir.path() + "/a.log"),
                       doctest::Contains("REGENT_JWT_KEYS: the HS256 secret of k1 is shorter than 32 characters"),
                       std::runtime_error);
  env["REGENT_JWT_KEYS"] = "k1:EdDSA:" + dir.path() + "/missing.pem";
  CHECK_THROWS_WITH_AS(RegentProcess({"serve"}, env, dir.path() + "/b.log"), doctest::Contains("cannot read"),
                       std::runtime_error);
}
