#include "projections/read_models.hpp"

namespace regent::projections {

std::vector<std::unique_ptr<Projection>> all_projections() {
  std::vector<std::unique_ptr<Projection>> all;
  all.push_back(make_tenants_projection());
  all.push_back(make_users_projection());
  all.push_back(make_wallets_projection());
  all.push_back(make_activities_projection());
  all.push_back(make_api_keys_projection());
  all.push_back(make_permissions_projection());
  all.push_back(make_erasures_projection());
  all.push_back(make_audit_projection());
  return all;
}

}  // namespace regent::projections
