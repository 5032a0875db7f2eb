#pragma once
// The master keys that wrap users' data keys (DESIGN.md decision 6). A ring: the first key wraps,
// every key unwraps, so that a rotation can re-wrap the data keys while processes that started
// before it still read them. Kept in a file by default (one base64url key a line, the current one
// first, readable by its owner only); the interface leaves room for a KMS, which would wrap and
// unwrap remotely and never hand out its key.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace regent::core {

// A master key that cannot be read: missing, unreadable, or not a key. Its message says what to
// do; a process must not go on without it (it would read every sealed field as erased).
struct MasterKeyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class MasterKeys {
 public:
  virtual ~MasterKeys() = default;
  virtual std::string current_id() const = 0;
  virtual std::vector<std::string> ids() const = 0;  // current first
  // `<key id>.<nonce>.<sealed key>`: the data key sealed under the current key, bound to `context`
  // (the user it belongs to), so that a wrapped key moved to another user does not open.
  virtual std::string wrap(std::string_view data_key, std::string_view context) const = 0;
  virtual std::optional<std::string> unwrap(std::string_view wrapped, std::string_view context) const = 0;
};

// The id a wrapped key names its master key by: 16 hex digits derived from the key (not the key).
std::string master_key_id(std::string_view key);
// The id a wrapped key was made under.
std::string wrapped_under(std::string_view wrapped);

class FileMasterKeys final : public MasterKeys {
 public:
  // Throws MasterKeyError when the file is missing or holds no valid key.
  static std::unique_ptr<FileMasterKeys> load(const std::string& path);
  // A new file with one fresh key (owner-only permissions); refuses to overwrite one.
  static std::unique_ptr<FileMasterKeys> create(const std::string& path);
  // Rotation: a fresh key in front of the others, written to a new file renamed over the old one.
  static std::unique_ptr<FileMasterKeys> add_key(const std::string& path);
  // After a rotation: only the current key stays (the caller checks nothing needs the others).
  static std::unique_ptr<FileMasterKeys> keep_current(const std::string& path);

  std::string current_id() const override;
  std::vector<std::string> ids() const override;
  std::string wrap(std::string_view data_key, std::string_view context) const override;
  std::optional<std::string> unwrap(std::string_view wrapped, std::string_view context) const override;

 private:
  explicit FileMasterKeys(std::vector<std::string> keys) : keys_(std::move(keys)) {}
  static void write(const std::string& path, const std::vector<std::string>& keys);
  std::vector<std::string> keys_;  // raw 32-byte keys, current first
};

}  // namespace regent::core
