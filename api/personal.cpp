#include "api/personal.hpp"

#include "api/services.hpp"
#include "commands/processor.hpp"
#include "core/data_keys.hpp"
#include "core/log.hpp"
#include "events/personal_fields.hpp"

namespace regent::api {
namespace {
const core::Logger logger("api");
}

std::optional<std::string> data_key(const Services& svc, const core::UserId& user) {
  if (!svc.data_keys || user.value.empty()) return std::nullopt;
  if (auto cached = svc.data_keys->cached(user.value)) return cached;
  try {
    return svc.data_keys->find(user);
  } catch (const core::MasterKeyError&) {
    throw;
  } catch (const std::exception& e) {
    logger.warn("a data key could not be read", {{"error", e.what()}});
    return std::nullopt;
  }
}

core::Result<bool> fetch_data_key(const Services& svc, const core::TenantId& tenant, const core::UserId& user) {
  if (svc.data_keys && svc.data_keys->cached(user.value)) return true;
  bool known = false;
  svc.processor.read(svc.processor.partition_of(tenant), [&](const commands::PartitionState& s) {
    const auto* t = s.tenant(tenant);
    known = t && t->user(user);
  });
  if (!known) return false;
  return make_data_key(svc, tenant, user);
}

core::Result<bool> make_data_key(const Services& svc, const core::TenantId& tenant, const core::UserId& user) {
  if (!svc.data_keys) return core::make_error(core::errc::unavailable, "personal data cannot be sealed here");
  if (svc.data_keys->cached(user.value)) return true;
  try {
    return svc.data_keys->key_for(tenant, user).has_value();
  } catch (const core::MasterKeyError&) {
    throw;
  } catch (const std::exception& e) {
    logger.warn("a data key could not be read or made", {{"error", e.what()}});
    auto err = core::make_error(core::errc::unavailable, "the data key store is unavailable; retry");
    err.retry_after_s = 1;
    return err;
  }
}

void erase_data_key(const Services& svc, const core::UserId& user) {
  if (!svc.data_keys) return;
  try {
    svc.data_keys->erase(user);
  } catch (const std::exception& e) {
    logger.warn("an erased user's data key was not deleted here; the personal-data projection will", {{"error", e.what()}});
  }
}

boost::json::value shown(const std::optional<std::string>& key, const core::Sealed& value, std::string_view field) {
  if (value.empty()) return nullptr;
  auto clear = core::reveal(key, value, events::personal_field(field));
  return clear ? boost::json::value(*clear) : boost::json::value(nullptr);
}

}  // namespace regent::api
