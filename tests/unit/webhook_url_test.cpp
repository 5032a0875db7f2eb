// A webhook URL as Regent reads it (Boost.URL), and where it may not deliver: hosts that resolve,
// wholly or in part, to loopback or private addresses, a name that resolves to loopback included.
#include <doctest/doctest.h>

#include "core/webhook_url.hpp"

using namespace regent::core;

TEST_CASE("a webhook URL is https, names a host, and keeps its path and query") {
  auto u = parse_webhook_url("https://Hooks.Example.com/in/regent?tenant=acme&x=%20", false);
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->host == "hooks.example.com");
  CHECK(u->port == "443");
  CHECK(u->target == "/in/regent?tenant=acme&x=%20");
  auto bare = parse_webhook_url("https://example.com", false);
  REQUIRE(bare);
  CHECK(bare->target == "/");
  auto port = parse_webhook_url("HTTPS://example.com:8443/x", false);
  REQUIRE(port);
  CHECK(port->scheme == "https");
  CHECK(port->port == "8443");
  auto v6 = parse_webhook_url("https://[2606:4700:4700::1111]:9000/h", false);
  REQUIRE(v6);
  CHECK(v6->host == "2606:4700:4700::1111");
  auto http = parse_webhook_url("http://example.com/h", true);
  REQUIRE(http);
  CHECK(http->port == "80");
}

TEST_CASE("a webhook URL that is not one Regent would deliver to is refused, saying why") {
  for (const char* bad : {"", "example.com/hooks", "/hooks", "ftp://example.com/", "http://example.com/",
                          "https://user:pw@example.com/", "https://example.com/#top", "https:///path",
                          "https://exa mple.com/", "https://example.com:0/", "https://example.com:99999/",
                          "https://[v1.x]/", "javascript:alert(1)"}) {
    std::string url = bad;
    CAPTURE(url);
    auto r = parse_webhook_url(url, false);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::validation_failed);
    REQUIRE(r.error().errors.size() == 1);
    CHECK(r.error().errors[0].field == "url");
  }
  CHECK(parse_webhook_url("http://example.com/", false).error().errors[0].message == "must be https");
  CHECK(parse_webhook_url(std::string("https://example.com/") + std::string(2000, 'a'), false).error().detail ==
        "url must be at most 2,000 characters");
}

TEST_CASE("a destination is refused when any address its host resolves to is not public") {
  auto via = [](std::vector<std::string> addresses) {
    return [addresses](const std::string&) { return addresses; };
  };
  auto url = *parse_webhook_url("https://hooks.example.com/", false);
  CHECK(refused_destination(url, false, via({"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"})).empty());
  CHECK(refused_destination(url, false, via({"93.184.215.14", "10.0.0.7"})) ==
        "its host hooks.example.com resolves to 10.0.0.7, a private address");
  CHECK(refused_destination(url, false, via({"169.254.169.254"})).find("link-local") != std::string::npos);
  CHECK(refused_destination(url, false, via({"::1"})).find("loopback") != std::string::npos);
  CHECK(refused_destination(url, false, via({})) == "its host hooks.example.com does not resolve");
  // Allowed private addresses: only resolving matters.
  CHECK(refused_destination(url, true, via({"10.0.0.7"})).empty());
  CHECK_FALSE(refused_destination(url, true, via({})).empty());
}

TEST_CASE("a host name that resolves to loopback is refused through the system's resolver") {
  auto url = parse_webhook_url("https://localhost:8443/hooks", false);
  REQUIRE(url);
  auto addresses = resolve_host("localhost");
  REQUIRE_FALSE(addresses.empty());
  CHECK(refused_destination(*url, false).find("loopback") != std::string::npos);
  CHECK(refused_destination(*parse_webhook_url("https://127.0.0.1/", false), false).find("loopback") != std::string::npos);
  CHECK(refused_destination(*parse_webhook_url("https://[::1]/", false), false).find("loopback") != std::string::npos);
  CHECK(refused_destination(*url, true).empty());
}
