#pragma once
// Files compiled into the binary (event schemas, migrations, the OpenAPI document), so that one
// executable is all a deployment needs.
#include <string_view>
#include <vector>

namespace regent::core {

struct Resource {
  std::string_view path;     // relative to the source root, e.g. "schemas/sql/0001_checkpoints.sql"
  std::string_view content;
};

const std::vector<Resource>& resources();

// The content of the resource at `path`, or an empty view when there is none.
std::string_view resource(std::string_view path);

}  // namespace regent::core
