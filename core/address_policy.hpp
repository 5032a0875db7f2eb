#pragma once
// Which addresses a webhook may be delivered to (server-side request forgery): not this machine,
// not a private network, not a link-local one (where cloud metadata services answer), not carrier
// NAT, documentation, multicast or reserved space, in IPv4 and IPv6 alike, an IPv4 address written
// as IPv6 (mapped, NAT64, 6to4) judged as the IPv4 address it is. Checked when an endpoint is
// created and again on the address each connection actually reaches (DNS rebinding).
#include <optional>
#include <string>
#include <string_view>

namespace regent::core {

// Why `ip` (a numeric IPv4 or IPv6 address) is no place to deliver to ("loopback", "private", ...),
// or nullopt when it is a public address. Text that is not an address is refused too.
std::optional<std::string> refused_address(std::string_view ip);

}  // namespace regent::core
