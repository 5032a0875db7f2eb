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
inline constexpr std::string_view user_updated = "user.updated";
inline constexpr std::string_view user_role_assigned = "user.role_assigned";
inline constexpr std::string_view user_role_revoked = "user.role_revoked";
inline constexpr std::string_view invitation_created = "invitation.created";
inline constexpr std::string_view invitation_accepted = "invitation.accepted";
inline constexpr std::string_view invitation_revoked = "invitation.revoked";
inline constexpr std::string_view api_key_created = "api_key.created";
inline constexpr std::string_view api_key_revoked = "api_key.revoked";
inline constexpr std::string_view api_key_used = "api_key.used";
inline constexpr std::string_view permission_requested = "permission.requested";
inline constexpr std::string_view permission_approved = "permission.approved";
inline constexpr std::string_view permission_rejected = "permission.rejected";
inline constexpr std::string_view permission_revoked = "permission.revoked";
inline constexpr std::string_view permission_expired = "permission.expired";
inline constexpr std::string_view user_erased = "user.erased";

inline constexpr std::array all = {owner_claimed,     tenant_created,  user_created,    user_logged_in,
                                   tenant_renamed,    tenant_settings_changed,         wallet_credited,
                                   wallet_debited,    activity_recorded, session_refreshed, session_revoked,
                                   user_deactivated,  user_reactivated,  user_updated,    user_role_assigned,
                                   user_role_revoked, invitation_created, invitation_accepted, invitation_revoked,
                                   api_key_created,   api_key_revoked,   api_key_used,    permission_requested,
                                   permission_approved, permission_rejected, permission_revoked, permission_expired,
                                   user_erased};

}  // namespace regent::events::types
