#include "api/http.hpp"

#include <boost/url/decode_view.hpp>
#include <boost/url/parse_query.hpp>

namespace regent::api {

bool parse_query(std::string_view raw, std::map<std::string, std::string>& out) {
  if (raw.empty()) return true;
  auto params = boost::urls::parse_query(raw);
  if (!params) return false;
  for (auto p : *params) out[std::string(p.key)] = std::string(p.value);
  return true;
}

}  // namespace regent::api
