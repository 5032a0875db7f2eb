// Users' data keys in Postgres under the master key file: made once, erased for good, re-wrapped
// by a rotation without a key lost, and a ring that cannot read them refused loudly.
#include <filesystem>

#include "core/crypto.hpp"
#include "core/data_keys.hpp"
#include "core/master_keys.hpp"
#include "projections/migrations.hpp"
#include "tests/integration/fixture.hpp"

using namespace regent::test;
using regent::core::TenantId;
using regent::core::UserId;

TEST_CASE("a user's data key is made once, read by any process, and erased for good") {
  TestDatabase db;
  TempDir dir;
  regent::projections::migrate(db.url());
  std::shared_ptr<regent::core::MasterKeys> ring = regent::core::FileMasterKeys::create(dir.path() + "/master.key");
  regent::core::DataKeys keys(db.url(), ring), elsewhere(db.url(), ring);
  TenantId tenant{regent::core::uuid_v7()};
  UserId ann{regent::core::uuid_v7()}, bob{regent::core::uuid_v7()};
  auto key = keys.key_for(tenant, ann);
  REQUIRE(key);
  CHECK(key->size() == 32);
  CHECK(keys.key_for(tenant, ann) == key);
  CHECK(elsewhere.find(ann) == key);
  CHECK(elsewhere.key_for(tenant, ann) == key);  // not a second one
  CHECK_FALSE(keys.find(bob));
  // Only the wrapped key is stored.
  CHECK(db.text("SELECT wrapped FROM personal_data_keys WHERE user_id = '" + ann.value + "'").find(
            regent::core::base64url_encode(*key)) == std::string::npos);

  CHECK(keys.erase(ann));
  CHECK_FALSE(keys.find(ann));
  CHECK_FALSE(keys.key_for(tenant, ann));  // never a new one
  CHECK_FALSE(regent::core::DataKeys(db.url(), ring).find(ann));
  CHECK(db.count("SELECT count(*) FROM personal_data_keys WHERE user_id = '" + ann.value + "' AND wrapped IS NULL") == 1);
  CHECK_FALSE(keys.erase(ann));
  CHECK_FALSE(keys.erase(bob));  // never had one: it never will
  CHECK_FALSE(keys.key_for(tenant, bob));
}

TEST_CASE("regent keys: a rotation re-wraps every data key, prune drops the old key, and a lost key file is said at once") {
  TestDatabase db;
  TempDir dir;
  std::string file = dir.path() + "/master.key";
  std::map<std::string, std::string> env{{"REGENT_PG_URL", db.url()}, {"REGENT_MASTER_KEY_FILE", file}};
  auto created = run_regent({"keys", "create"}, env);
  REQUIRE_MESSAGE(created.exit_code == 0, created.output);
  CHECK(run_regent({"keys", "create"}, env).exit_code == 3);  // never overwritten
  std::filesystem::copy_file(file, dir.path() + "/old.key");
  regent::projections::migrate(db.url());
  std::vector<std::pair<UserId, std::string>> made;
  {
    std::shared_ptr<regent::core::MasterKeys> ring = regent::core::FileMasterKeys::load(file);
    regent::core::DataKeys keys(db.url(), ring);
    TenantId tenant{regent::core::uuid_v7()};
    for (int i = 0; i < 3; ++i) {
      UserId u{regent::core::uuid_v7()};
      made.emplace_back(u, *keys.key_for(tenant, u));
    }
  }
  auto rotated = run_regent({"keys", "rotate"}, env);
  REQUIRE_MESSAGE(rotated.exit_code == 0, rotated.output);
  CHECK(rotated.output.find("3 re-wrapped") != std::string::npos);
  auto ring = regent::core::FileMasterKeys::load(file);
  CHECK(db.count("SELECT count(*) FROM personal_data_keys WHERE master_key_id = '" + ring->current_id() + "'") == 3);
  {
    std::shared_ptr<regent::core::MasterKeys> shared = regent::core::FileMasterKeys::load(file);
    regent::core::DataKeys keys(db.url(), shared);
    for (const auto& [user, key] : made) CHECK(keys.find(user) == key);
  }
  auto pruned = run_regent({"keys", "prune"}, env);
  REQUIRE_MESSAGE(pruned.exit_code == 0, pruned.output);
  CHECK(regent::core::FileMasterKeys::load(file)->ids().size() == 1);
  auto status = run_regent({"keys", "status"}, env);
  CHECK(status.exit_code == 0);
  CHECK(status.output.find(ring->current_id() + " (current): 3 data keys") != std::string::npos);

  // The file from before the rotation cannot read the keys any more: said, and refused.
  auto stale = env;
  stale["REGENT_MASTER_KEY_FILE"] = dir.path() + "/old.key";
  auto refused = run_regent({"keys", "status"}, stale);
  CHECK(refused.exit_code == 3);
  CHECK(refused.output.find("NOT IN THE FILE") != std::string::npos);
  CHECK(refused.output.find("cannot be read") != std::string::npos);
  auto lost = env;
  lost["REGENT_MASTER_KEY_FILE"] = dir.path() + "/nowhere.key";
  auto missing = run_regent({"keys", "status"}, lost);
  CHECK(missing.exit_code == 3);
  CHECK(missing.output.find("nowhere.key cannot be read") != std::string::npos);
}

TEST_CASE("regent dev makes its master key file once, and will not start without it once data keys exist") {
  TestDatabase db;
  TempDir dir;
  std::map<std::string, std::string> env{{"REGENT_DATA_DIR", dir.path()}, {"REGENT_PG_URL", db.url()}, {"REGENT_HTTP_PORT", "0"},
                                         {"REGENT_BOOTSTRAP_EMAIL", kRootEmail}, {"REGENT_BOOTSTRAP_PASSWORD", kRootPassword}};
  std::string file = dir.path() + "/master.key";
  std::string first;
  {
    RegentProcess dev({"dev"}, env, dir.path() + "/first.log");
    REQUIRE(std::filesystem::exists(file));
    first = regent::core::FileMasterKeys::load(file)->current_id();
  }
  {
    RegentProcess dev({"dev"}, env, dir.path() + "/second.log");  // the same file, not a new one
    CHECK(regent::core::FileMasterKeys::load(file)->current_id() == first);
    std::shared_ptr<regent::core::MasterKeys> ring = regent::core::FileMasterKeys::load(file);
    regent::core::DataKeys keys(db.url(), ring);
    REQUIRE(keys.key_for(TenantId{regent::core::uuid_v7()}, UserId{regent::core::uuid_v7()}));
  }
  std::filesystem::remove(file);
  CHECK_THROWS_WITH_AS(RegentProcess({"dev"}, env, dir.path() + "/third.log"),
                       doctest::Contains("master.key cannot be read"), std::runtime_error);
  CHECK_FALSE(std::filesystem::exists(file));  // no new key over the lost one
}

TEST_CASE("a server started with another blind index key than the database's emails were indexed under stops, saying so") {
  TestDatabase db;
  TempDir dir;
  std::map<std::string, std::string> env{{"REGENT_DATA_DIR", dir.path()}, {"REGENT_PG_URL", db.url()}, {"REGENT_HTTP_PORT", "0"},
                                         {"REGENT_BLIND_INDEX_KEY", std::string(40, 'a')}};
  { RegentProcess dev({"dev"}, env, dir.path() + "/first.log"); }
  auto changed = env;
  changed["REGENT_BLIND_INDEX_KEY"] = std::string(40, 'b');
  CHECK_THROWS_WITH_AS(RegentProcess({"dev"}, changed, dir.path() + "/second.log"),
                       doctest::Contains("the blind index key is not the one this database's emails were indexed under"),
                       std::runtime_error);
  // Derived from the JWT secret when unset: changing that secret is the same change.
  auto derived = env;
  derived.erase("REGENT_BLIND_INDEX_KEY");
  derived["REGENT_JWT_SECRET"] = std::string(40, 'j');
  CHECK_THROWS_WITH_AS(RegentProcess({"dev"}, derived, dir.path() + "/third.log"), doctest::Contains("REGENT_JWT_SECRET"),
                       std::runtime_error);
  RegentProcess again({"dev"}, env, dir.path() + "/fourth.log");  // the original key: it starts
  CHECK(db.count("SELECT count(*) FROM server_key_fingerprints WHERE name = 'blind_index'") == 1);
}
