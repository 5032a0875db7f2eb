#include "api/personal.hpp"

#include "api/queries.hpp"
#include "api/services.hpp"
#include "api/support.hpp"
#include "core/data_keys.hpp"
#include "core/log.hpp"
#include "events/personal_fields.hpp"

namespace regent::api {
namespace {
const core::Logger logger("api");
}

namespace {
// A key store that does not answer: 503, never "erased".
[[noreturn]] void store_failed(const std::exception& e) {
  logger.warn("the data key store did not answer", {{"error", e.what()}});
  auto err = core::make_error(core::errc::unavailable, "the data key store is unavailable; retry");
  err.retry_after_s = 1;
  throw QueryFailed(std::move(err));
}
}  // namespace

std::optional<std::string> data_key(const Services& svc, const core::UserId& user) {
  if (!svc.data_keys || user.value.empty()) return std::nullopt;
  if (auto cached = svc.data_keys->cached(user.value)) return cached;
  try {
    return svc.data_keys->find(user);
  } catch (const core::MasterKeyError&) {
    throw;
  } catch (const std::exception& e) {
    store_failed(e);
  }
}

void fetch_data_key(const Services& svc, const core::TenantId& tenant, const core::UserId& user) {
  if (!svc.data_keys || svc.data_keys->cached(user.value)) return;
  if (tenant_state(svc, tenant, [&](const commands::TenantState& t) { return t.user(user) != nullptr; }))
    make_data_key(svc, tenant, user);
}

// Without a key store (never, in a server) nothing is made: the writer then refuses the command.
void make_data_key(const Services& svc, const core::TenantId& tenant, const core::UserId& user) {
  if (!svc.data_keys || svc.data_keys->cached(user.value)) return;
  try {
    svc.data_keys->key_for(tenant, user);
  } catch (const core::MasterKeyError&) {
    throw;
  } catch (const std::exception& e) {
    store_failed(e);
  }
}

void erase_data_key(const Services& svc, const core::UserId& user) {
  if (!svc.data_keys) return;
  try {
    svc.data_keys->erase(user);
  } catch (const std::exception& e) {
    logger.warn("an erased user's data key was not deleted here; the erasures projection will", {{"error", e.what()}});
  }
}

std::optional<std::string> revealed(const std::optional<std::string>& key, const core::Sealed& value,
                                    std::string_view field) {
  return core::reveal(key, value, events::personal_field(field));
}

boost::json::value shown(const std::optional<std::string>& key, const core::Sealed& value, std::string_view field) {
  if (value.empty()) return nullptr;
  auto clear = revealed(key, value, field);
  return clear ? boost::json::value(*clear) : boost::json::value(nullptr);
}

}  // namespace regent::api
