#include "api/jwt.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/crypto.hpp"
#include "core/json.hpp"

namespace regent::api {
namespace {
const std::string kHeader = R"({"alg":"HS256","typ":"JWT"})";

core::Error bad() { return core::make_error(core::errc::unauthenticated, "invalid or expired token"); }
}  // namespace

std::string sign_jwt(const Claims& c, const std::string& key) {
  boost::json::array roles;
  for (const auto& r : c.roles) roles.emplace_back(r);
  boost::json::object payload{{"iss", c.iss}, {"aud", c.aud}, {"sub", c.sub}, {"tid", c.tid},
                              {"roles", roles}, {"iat", c.iat},  {"exp", c.exp}, {"jti", c.jti}};
  std::string signing_input = core::base64url_encode(kHeader) + "." + core::base64url_encode(core::to_json(payload));
  return signing_input + "." + core::base64url_encode(core::hmac_sha256(key, signing_input));
}

core::Result<Claims> verify_jwt(std::string_view token, const std::string& key, const std::string& issuer,
                                int64_t now_s) {
  auto d1 = token.find('.');
  auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) return bad();
  auto header = core::base64url_decode(token.substr(0, d1));
  auto payload = core::base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  auto sig = core::base64url_decode(token.substr(d2 + 1));
  if (!header || !payload || !sig) return bad();
  auto hdoc = core::JsonDocument::parse(*header);
  if (!hdoc || core::get_string(hdoc->root(), "alg") != std::optional<std::string_view>("HS256")) return bad();
  if (!core::constant_time_equal(*sig, core::hmac_sha256(key, token.substr(0, d2)))) return bad();
  auto pdoc = core::JsonDocument::parse(*payload);
  if (!pdoc || !pdoc->root().is_object()) return bad();
  auto p = pdoc->root();
  Claims c;
  auto s = [&](std::string_view k) { return std::string(core::get_string(p, k).value_or("")); };
  c.iss = s("iss");
  c.aud = s("aud");
  c.sub = s("sub");
  c.tid = s("tid");
  c.jti = s("jti");
  c.iat = core::get_int(p, "iat").value_or(0);
  c.exp = core::get_int(p, "exp").value_or(0);
  simdjson::dom::array roles;
  if (p["roles"].get(roles) == simdjson::SUCCESS)
    for (auto r : roles) {
      std::string_view v;
      if (r.get(v) == simdjson::SUCCESS) c.roles.emplace_back(v);
    }
  if (c.iss != issuer || c.aud != issuer || c.sub.empty() || c.tid.empty() || c.exp <= now_s) return bad();
  return c;
}

}  // namespace regent::api
