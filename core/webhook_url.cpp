#include "core/webhook_url.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <boost/url/parse.hpp>
#include <boost/url/src.hpp>  // Boost.URL is compiled here, once, rather than as a library

#include "core/address_policy.hpp"

namespace regent::core {
namespace {
Error bad_url(std::string why) {
  return Error{errc::validation_failed, "url " + why, {{"url", why}}};
}
}  // namespace

Result<WebhookUrl> parse_webhook_url(std::string_view text, bool allow_http) {
  if (text.size() > 2000) return bad_url("must be at most 2,000 characters");
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return bad_url("must be an absolute URL (RFC 3986), such as https://example.com/hooks");
  const auto& u = *parsed;
  std::string scheme(u.scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (scheme != "https" && !(scheme == "http" && allow_http))
    return bad_url(allow_http ? "must be https or http" : "must be https");
  if (!u.has_authority() || u.encoded_host().empty()) return bad_url("must name a host");
  if (u.has_userinfo()) return bad_url("must not carry a user name or password");
  if (u.has_fragment()) return bad_url("must not have a fragment (#...)");
  WebhookUrl out;
  out.scheme = scheme;
  out.host = u.host_type() == boost::urls::host_type::ipv6 ? std::string(u.host_ipv6_address().to_string())
                                                            : std::string(u.host());
  std::transform(out.host.begin(), out.host.end(), out.host.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (u.host_type() == boost::urls::host_type::ipvfuture) return bad_url("must name a host or an IPv4 or IPv6 address");
  if (u.has_port()) {
    // Read here: Boost.URL keeps the port's digits as given, whatever their value.
    std::string_view digits = u.port();
    unsigned long port = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || port < 1 || port > 65535)
      return bad_url("must have a port from 1 to 65535");
    out.port = std::to_string(port);
  } else {
    out.port = scheme == "https" ? "443" : "80";
  }
  out.target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) out.target += "?" + std::string(u.encoded_query());
  return out;
}

std::vector<std::string> resolve_host(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::vector<std::string> out;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return out;
  for (auto* a = found; a; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* where = a->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                                                : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if ((a->ai_family == AF_INET || a->ai_family == AF_INET6) && inet_ntop(a->ai_family, where, text, sizeof text))
      if (std::find(out.begin(), out.end(), text) == out.end()) out.emplace_back(text);
  }
  freeaddrinfo(found);
  return out;
}

std::string refused_destination(const WebhookUrl& url, bool allow_private, const Resolver& resolve) {
  auto addresses = resolve(url.host);
  if (addresses.empty()) return "its host " + url.host + " does not resolve";
  if (allow_private) return "";
  // One private address among public ones is enough to refuse: which one a connection gets is the
  // resolver's choice, not ours.
  for (const auto& a : addresses)
    if (auto why = refused_address(a)) return "its host " + url.host + " resolves to " + a + ", a " + *why + " address";
  return "";
}

}  // namespace regent::core
