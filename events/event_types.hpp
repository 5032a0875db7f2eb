#pragma once
// Event type names: append-only contracts. A name is never reused for another meaning; a breaking
// change to a type's data is a new type.
#include <array>
#include <string_view>

namespace regent::events::types {

inline constexpr std::string_view owner_claimed = "owner.claimed";
inline constexpr std::string_view tenant_created = "tenant.created";
inline constexpr std::string_view user_created = "user.created";
inline constexpr std::string_view user_logged_in = "user.logged_in";
inline constexpr std::string_view tenant_renamed = "tenant.renamed";
inline constexpr std::string_view tenant_settings_changed = "tenant.settings_changed";
inline constexpr std::string_view wallet_credited = "wallet.credited";
inline constexpr std::string_view wallet_debited = "wallet.debited";
inline constexpr std::string_view activity_recorded = "activity.recorded";
inline constexpr std::string_view session_refreshed = "session.refreshed";
inline constexpr std::string_view session_revoked = "session.revoked";
inline constexpr std::string_view user_deactivated = "user.deactivated";
inline constexpr std::string_view user_reactivated = "user.reactivated";

inline constexpr std::array all = {owner_claimed,     tenant_created,  user_created,    user_logged_in,
                                   tenant_renamed,    tenant_settings_changed,         wallet_credited,
                                   wallet_debited,    activity_recorded, session_refreshed, session_revoked,
                                   user_deactivated,  user_reactivated};

}  // namespace regent::events::types
