// Sealed personal fields and the master keys that wrap data keys: AES-256-GCM judged against the
// GCM specification's own test case, every tampering refused, the ring's rotation and its errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <sys/stat.h>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/master_keys.hpp"
#include "core/json.hpp"
#include "core/sealed_fields.hpp"
#include "events/personal_fields.hpp"

using namespace regent;

namespace {
std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

struct TempFile {
  std::string dir, path;
  TempFile() {
    char tmpl[] = "/tmp/regent-keys-XXXXXX";
    dir = ::mkdtemp(tmpl);
    path = dir + "/master.key";
  }
  ~TempFile() { std::filesystem::remove_all(dir); }
};

std::string key32() {
  std::string k(32, '\0');
  core::random_bytes(reinterpret_cast<unsigned char*>(k.data()), k.size());
  return k;
}
}  // namespace

TEST_CASE("AES-256-GCM gives the GCM specification's test case 16, and refuses any changed byte") {
  // McGrew and Viega, "The Galois/Counter Mode of Operation", test case 16 (also what Python's
  // cryptography computes for these inputs).
  std::string key = unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  std::string iv = unhex("cafebabefacedbaddecaf888");
  std::string plain = unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
                            "b16aedf5aa0de657ba637b39");
  std::string aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  std::string expected = unhex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
                               "c5f61e6393ba7a0abcc9f662" "76fc6ece0f4e1768cddf8853bb2d551b");
  auto sealed = core::detail::gcm_seal(key, iv, plain, aad);
  CHECK(sealed == expected);
  CHECK(core::detail::gcm_open(key, iv, sealed, aad) == plain);
  for (size_t i = 0; i < sealed.size(); i += 7) {
    std::string changed = sealed;
    changed[i] ^= 1;
    CHECK_FALSE(core::detail::gcm_open(key, iv, changed, aad));
  }
  CHECK_FALSE(core::detail::gcm_open(key, iv, sealed, aad.substr(1)));
}

TEST_CASE("a sealed field opens only with its key, its event and its field name") {
  std::string key = key32(), other = key32();
  std::string email = "ada@acme.test";
  auto a = core::seal_field(key, email, "event-1", "email");
  auto b = core::seal_field(key, email, "event-1", "email");
  CHECK(core::is_sealed(a));
  CHECK(a != b);  // a fresh nonce each time
  CHECK(a.find(email) == std::string::npos);
  CHECK(core::open_field(key, a, "event-1", "email") == email);
  CHECK(core::open_field(key, b, "event-1", "email") == email);
  CHECK_FALSE(core::open_field(other, a, "event-1", "email"));
  CHECK_FALSE(core::open_field(key, a, "event-2", "email"));     // moved to another event
  CHECK_FALSE(core::open_field(key, a, "event-1", "full_name"));  // or another field
  CHECK_FALSE(core::open_field(key, email, "event-1", "email"));  // not sealed at all
  std::string cut = a.substr(0, a.size() - 2);
  CHECK_FALSE(core::open_field(key, cut, "event-1", "email"));
  CHECK(core::open_field(key, core::seal_field(key, "", "e", "f"), "e", "f") == "");
  CHECK(core::open_field(key, core::seal_field(key, "Zoë Ünal", "e", "full_name"), "e", "full_name") == "Zoë Ünal");
}

TEST_CASE("the master key file: created for its owner only, rotated without losing a data key, and its loss said clearly") {
  TempFile f;
  CHECK_THROWS_AS(core::FileMasterKeys::load(f.path), core::MasterKeyError);
  try {
    core::FileMasterKeys::load(f.path);
  } catch (const core::MasterKeyError& ex) {
    CHECK(std::string(ex.what()).find(f.path) != std::string::npos);
    CHECK(std::string(ex.what()).find("backup") != std::string::npos);
  }
  auto ring = core::FileMasterKeys::create(f.path);
  struct stat st {};
  REQUIRE(::stat(f.path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_THROWS_AS(core::FileMasterKeys::create(f.path), core::MasterKeyError);  // never overwritten

  std::string data_key = key32();
  auto wrapped = ring->wrap(data_key, "user-1");
  CHECK(core::wrapped_under(wrapped) == ring->current_id());
  CHECK(wrapped.find(core::base64url_encode(data_key)) == std::string::npos);
  CHECK(core::FileMasterKeys::load(f.path)->unwrap(wrapped, "user-1") == data_key);
  CHECK_FALSE(ring->unwrap(wrapped, "user-2"));  // bound to its user

  auto rotated = core::FileMasterKeys::add_key(f.path);
  CHECK(rotated->current_id() != ring->current_id());
  CHECK(rotated->ids().size() == 2);
  CHECK(rotated->unwrap(wrapped, "user-1") == data_key);  // the old key still unwraps
  auto rewrapped = rotated->wrap(data_key, "user-1");
  CHECK(core::wrapped_under(rewrapped) == rotated->current_id());
  CHECK_FALSE(ring->unwrap(rewrapped, "user-1"));  // a process with the old file only cannot

  auto pruned = core::FileMasterKeys::keep_current(f.path);
  CHECK(pruned->ids() == std::vector<std::string>{rotated->current_id()});
  CHECK(core::FileMasterKeys::load(f.path)->unwrap(rewrapped, "user-1") == data_key);
  CHECK_FALSE(core::FileMasterKeys::load(f.path)->unwrap(wrapped, "user-1"));

  std::ofstream(f.path, std::ios::app) << "not-a-key\n";
  CHECK_THROWS_AS(core::FileMasterKeys::load(f.path), core::MasterKeyError);
}

TEST_CASE("an event's personal fields and password hash are sealed, and a reader opens them or reads null") {
  std::string key = key32(), id = core::uuid_v7();
  std::string clear = R"({"user_id":"01a232c0-a556-7001-9efa-bdceb347e728","password_hash":"$argon2id$v=19$x",)"
                      R"("roles":["viewer"],"personal":{"email":"erin@acme.test","full_name":"Erin"}})";
  REQUIRE(events::has_personal(clear));
  CHECK_FALSE(events::has_sealed(clear));
  CHECK(events::personal_owner(clear) == "01a232c0-a556-7001-9efa-bdceb347e728");
  std::string sealed = events::seal_personal(clear, key, id);
  CHECK(events::has_sealed(sealed));
  for (const char* secret : {"erin@acme.test", "Erin", "argon2id"}) CHECK(sealed.find(secret) == std::string::npos);
  CHECK(sealed.find(R"("roles":["viewer"])") != std::string::npos);  // what is not personal stays as it was

  auto doc = core::JsonDocument::parse(events::open_personal(sealed, key, id));
  auto d = doc->root();
  CHECK(core::get_text(d["personal"].value(), "email") == "erin@acme.test");
  CHECK(core::get_text(d["personal"].value(), "full_name") == "Erin");
  CHECK(d["password_hash"].error() == simdjson::NO_SUCH_FIELD);  // no reader gets the hash
  CHECK(core::get_text(d, "user_id") == "01a232c0-a556-7001-9efa-bdceb347e728");

  // Erased (no key), another key, or another event: null, never garbage, never an error.
  using Attempt = std::pair<std::optional<std::string>, std::string>;
  for (const auto& [k, event] : std::vector<Attempt>{{std::nullopt, id}, {key32(), id}, {key, core::uuid_v7()}}) {
    auto opened = core::JsonDocument::parse(events::open_personal(sealed, k, event));
    CHECK(opened->root()["personal"]["email"].is_null());
    CHECK(opened->root()["personal"]["full_name"].is_null());
  }
  // A sealed value moved to another field does not open there.
  auto swapped = core::to_boost(core::JsonDocument::parse(sealed)->root()).as_object();
  auto& personal = swapped["personal"].as_object();
  std::swap(personal["email"], personal["full_name"]);
  auto moved = core::JsonDocument::parse(events::open_personal(core::to_json(swapped), key, id));
  CHECK(moved->root()["personal"]["email"].is_null());

  // Nothing personal: left as it is.
  std::string wallet = R"({"user_id":"x","amount":5})";
  CHECK_FALSE(events::has_personal(wallet));
  CHECK(events::open_personal(wallet, std::nullopt, id) == wallet);
}
