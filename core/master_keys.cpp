#include "core/master_keys.hpp"

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include "core/crypto.hpp"
#include "core/sealed_fields.hpp"

namespace regent::core {
namespace {
namespace fs = std::filesystem;
constexpr size_t kNonceBytes = 12;

std::string aad_of(std::string_view context) { return "regent data key v1\n" + std::string(context); }

std::string fresh_key() {
  std::string key(kDataKeyBytes, '\0');
  random_bytes(reinterpret_cast<unsigned char*>(key.data()), key.size());
  return key;
}
}  // namespace

std::string master_key_id(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string mac = hmac_sha256(key, "regent master key id v1"), out;
  for (size_t i = 0; i < 8; ++i) {
    auto b = static_cast<unsigned char>(mac[i]);
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string wrapped_under(std::string_view wrapped) { return std::string(wrapped.substr(0, wrapped.find('.'))); }

std::unique_ptr<FileMasterKeys> FileMasterKeys::load(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw MasterKeyError("the master key file " + path +
                         " cannot be read: without it no user's personal data can be read. Restore it from your "
                         "backup (docs/personal-data.md), or point REGENT_MASTER_KEY_FILE at it");
  std::vector<std::string> keys;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto key = base64url_decode(line);
    if (!key || key->size() != kDataKeyBytes)
      throw MasterKeyError("the master key file " + path + " holds a line that is not a key (base64url of 32 bytes)");
    keys.push_back(std::move(*key));
  }
  if (keys.empty()) throw MasterKeyError("the master key file " + path + " holds no key");
  return std::unique_ptr<FileMasterKeys>(new FileMasterKeys(std::move(keys)));
}

void FileMasterKeys::write(const std::string& path, const std::vector<std::string>& keys) {
  std::string tmp = path + ".new";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw MasterKeyError("cannot write the master key file " + tmp);
    ::chmod(tmp.c_str(), S_IRUSR | S_IWUSR);
    out << "# Regent's master keys: the first wraps users' data keys, every one unwraps. Keep a backup.\n";
    for (const auto& k : keys) out << base64url_encode(k) << "\n";
    out.flush();
    if (!out) throw MasterKeyError("cannot write the master key file " + tmp);
  }
  fs::rename(tmp, path);
}

std::unique_ptr<FileMasterKeys> FileMasterKeys::create(const std::string& path) {
  if (fs::exists(path)) throw MasterKeyError("the master key file " + path + " exists already");
  if (auto dir = fs::path(path).parent_path(); !dir.empty()) fs::create_directories(dir);
  std::vector<std::string> keys{fresh_key()};
  write(path, keys);
  return std::unique_ptr<FileMasterKeys>(new FileMasterKeys(std::move(keys)));
}

std::unique_ptr<FileMasterKeys> FileMasterKeys::add_key(const std::string& path) {
  auto ring = load(path);
  ring->keys_.insert(ring->keys_.begin(), fresh_key());
  write(path, ring->keys_);
  return ring;
}

std::unique_ptr<FileMasterKeys> FileMasterKeys::keep_current(const std::string& path) {
  auto ring = load(path);
  ring->keys_.resize(1);
  write(path, ring->keys_);
  return ring;
}

std::string FileMasterKeys::current_id() const { return master_key_id(keys_.front()); }

std::vector<std::string> FileMasterKeys::ids() const {
  std::vector<std::string> out;
  for (const auto& k : keys_) out.push_back(master_key_id(k));
  return out;
}

std::string FileMasterKeys::wrap(std::string_view data_key, std::string_view context) const {
  std::string nonce(kNonceBytes, '\0');
  random_bytes(reinterpret_cast<unsigned char*>(nonce.data()), nonce.size());
  return current_id() + "." + base64url_encode(nonce) + "." +
         base64url_encode(detail::gcm_seal(keys_.front(), nonce, data_key, aad_of(context)));
}

std::optional<std::string> FileMasterKeys::unwrap(std::string_view wrapped, std::string_view context) const {
  auto first = wrapped.find('.');
  auto second = first == std::string_view::npos ? first : wrapped.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string_view id = wrapped.substr(0, first);
  auto nonce = base64url_decode(wrapped.substr(first + 1, second - first - 1));
  auto sealed = base64url_decode(wrapped.substr(second + 1));
  if (!nonce || !sealed) return std::nullopt;
  for (const auto& k : keys_)
    if (master_key_id(k) == id) return detail::gcm_open(k, *nonce, *sealed, aad_of(context));
  return std::nullopt;
}

}  // namespace regent::core
