#pragma once
// Read-model queries. Each answers with ready JSON built by Postgres (json_build_object), so rows
// go to the client without being re-encoded here.
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"

namespace pqxx {
class result;
}
namespace regent::core {
class PgPool;
}

namespace regent::api {

struct UserFilter {
  std::string role;
  std::string status;
  std::string q;  // substring of email or full name
  std::string after_id;
  int limit = 50;
};

struct Page {
  std::vector<std::string> items;  // JSON objects
  std::string next_key;            // the keyset position after the last item, when there may be more
};

// Rows of (keyset key, JSON) fetched with LIMIT limit + 1, as a page of at most `limit` items.
Page page_of(const pqxx::result& rows, int limit);

std::optional<std::string> find_user(core::PgPool& pg, const core::TenantId& tenant, const std::string& id);
Page list_users(core::PgPool& pg, const core::TenantId& tenant, const UserFilter& f);
struct ApiKeyFilter {
  bool include_inactive = false;  // revoked and expired keys too
  std::string after_id;
  int limit = 50;
};
Page list_api_keys(core::PgPool& pg, const core::TenantId& tenant, const ApiKeyFilter& f);

std::optional<std::string> find_tenant(core::PgPool& pg, const core::TenantId& tenant);

}  // namespace regent::api
