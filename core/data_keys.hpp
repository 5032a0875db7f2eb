#pragma once
// Users' data keys (DESIGN.md decision 6): one per user, made the first time a personal field of
// the user is sealed, kept in Postgres wrapped by the master keys (core/master_keys.hpp), and
// deleted when the user is erased — which is what makes every copy of its sealed fields, in the
// log, its archives and its snapshots, unreadable for good. The table is not a read model: nothing
// rebuilds it. An erased user keeps a row without a key, so that no new key is ever made for it.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction_base>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ids.hpp"
#include "core/master_keys.hpp"

namespace regent::core {

class DataKeys {
 public:
  DataKeys(std::string pg_url, std::shared_ptr<const MasterKeys> master);

  // The user's key, made and stored on first use (concurrent callers get the same one); nullopt
  // once the user is erased.
  std::optional<std::string> key_for(const TenantId& tenant, const UserId& user);
  // nullopt: erased, or never made.
  std::optional<std::string> find(const UserId& user);
  // What key_for or find already read, without any I/O (the command writer's thread): nullopt
  // when this process has not read it yet, or it was erased here.
  std::optional<std::string> cached(const std::string& user) const;
  // Deletes the key; true when there was one to delete.
  bool erase(const UserId& user);

  // The keys of `users` that exist, read in `tx` (one statement) and unwrapped: what a projection
  // opens a batch's sealed fields with. No cache: a key erased a moment ago is not found.
  static std::unordered_map<std::string, std::string> read_in(pqxx::transaction_base& tx, const MasterKeys& master,
                                                              const std::vector<std::string>& users);
  // Erases the keys of `users` in `tx`, leaving tombstones; how many had a key.
  static int64_t erase_in(pqxx::transaction_base& tx, const std::vector<std::string>& users);

  // Re-wraps, in batches, every key not wrapped under the ring's current master key; how many.
  int64_t rewrap_all();
  // How many keys each master key id wraps.
  std::map<std::string, int64_t> wrapped_by();
  // Throws MasterKeyError, naming the ids, when stored keys are wrapped by master keys the ring
  // does not hold: a process must not start reading every user as erased.
  void check_ring();

 private:
  pqxx::connection& conn();  // under io_mu_
  std::string remember(const std::string& user, std::string key);
  std::string pg_url_;
  std::shared_ptr<const MasterKeys> master_;
  std::mutex io_mu_;       // the connection, and every read or erasure of stored keys
  mutable std::mutex mu_;  // the cache only: never held across I/O
  std::unique_ptr<pqxx::connection> conn_;
  std::unordered_map<std::string, std::string> cache_;  // user id -> clear key
};

}  // namespace regent::core
