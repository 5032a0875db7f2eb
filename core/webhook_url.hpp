#pragma once
// A webhook endpoint's URL, read with Boost.URL (RFC 3986), and whether Regent may deliver to it:
// `https` (or `http` when allowed), a host and nothing a delivery would not send (no user
// information, no fragment); and every address its host resolves to public (core/address_policy),
// unless private addresses are allowed. The connection checks the address it reaches again.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace regent::core {

struct WebhookUrl {
  std::string scheme;  // https or http
  std::string host;    // a name, or an address without brackets
  std::string port;    // given, or the scheme's
  std::string target;  // path and query, "/" at least
};

// The URL's parts, or validation_failed saying what is wrong with it.
Result<WebhookUrl> parse_webhook_url(std::string_view url, bool allow_http);

// Numeric addresses of `host` (getaddrinfo's); empty when it does not resolve.
using Resolver = std::function<std::vector<std::string>(const std::string& host)>;
std::vector<std::string> resolve_host(const std::string& host);

// Why the URL's host is no place to deliver to (it resolves to nothing, or one of its addresses is
// loopback, private, ...), or empty when it may be. With `allow_private` only resolving matters.
std::string refused_destination(const WebhookUrl& url, bool allow_private, const Resolver& resolve = resolve_host);

}  // namespace regent::core
