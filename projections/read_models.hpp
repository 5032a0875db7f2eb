#pragma once
// The read models that exist, by name.
#include <memory>
#include <string>
#include <vector>

#include "projections/projection.hpp"

namespace regent::projections {

std::unique_ptr<Projection> make_tenants_projection();  // "tenants": tenants
std::unique_ptr<Projection> make_users_projection();    // "users": users, user_roles, user_counts, role_counts
// "wallets": wallets, wallet_transactions, wallet_totals, revenue_daily
std::unique_ptr<Projection> make_wallets_projection();
// "activities": activities, activity_counts
std::unique_ptr<Projection> make_activities_projection();

std::unique_ptr<Projection> make_api_keys_projection();  // "api_keys": api_keys
std::unique_ptr<Projection> make_permissions_projection();
std::unique_ptr<Projection> make_audit_projection();  // "audit": audit_entries, one per event
std::unique_ptr<Projection> make_erasures_projection();  // "erasures": erasures (and deletes the data keys they name)

std::vector<std::unique_ptr<Projection>> all_projections();

}  // namespace regent::projections
