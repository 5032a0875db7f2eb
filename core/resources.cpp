#include "core/resources.hpp"

namespace regent::core {

std::string_view resource(std::string_view path) {
  for (const auto& r : resources())
    if (r.path == path) return r.content;
  return {};
}

}  // namespace regent::core
