// Where a webhook may not be delivered: every special-purpose range, in IPv4 and IPv6, and IPv4
// addresses written as IPv6; public addresses pass.
#include <doctest/doctest.h>

#include "core/address_policy.hpp"

using regent::core::refused_address;

TEST_CASE("loopback, private, link-local, CGNAT, metadata and reserved addresses are refused") {
  for (const char* ip : {"127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255",
                         "192.168.1.1", "169.254.169.254", "169.254.0.1", "100.64.0.1", "100.127.255.255", "0.0.0.0",
                         "0.1.2.3", "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1", "198.19.255.255",
                         "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.0.8",
                         "::1", "::", "fc00::1", "fd00:ec2::254", "fe80::1", "febf::1", "fec0::1", "ff02::1",
                         "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "64:ff9b::a00:1",
                         "64:ff9b:1::1", "2002:7f00:1::", "2002:a9fe:a9fe::1", "2001:db8::1", "2001::1", "100::1",
                         "::127.0.0.1", "[::1]", "fe80::1%eth0", "4000::1"}) {
    CAPTURE(ip);
    CHECK(refused_address(ip).has_value());
  }
  CHECK(*refused_address("127.0.0.1") == "loopback");
  CHECK(*refused_address("::1") == "loopback");
  CHECK(*refused_address("10.0.0.1") == "private");
  CHECK(*refused_address("169.254.169.254") == "link-local (cloud metadata)");
  CHECK(*refused_address("100.64.0.1") == "carrier-grade NAT");
  CHECK(*refused_address("::ffff:127.0.0.1") == "loopback (IPv4-mapped)");
}

TEST_CASE("public addresses are allowed, at the edges of the refused ranges too") {
  for (const char* ip : {"8.8.8.8", "1.1.1.1", "9.255.255.255", "11.0.0.0", "172.15.255.255", "172.32.0.0",
                         "192.167.255.255", "192.169.0.0", "100.63.255.255", "100.128.0.0", "169.253.255.255",
                         "169.255.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255", "2606:4700:4700::1111",
                         "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
                         "[2001:4860:4860::8888]"}) {
    CAPTURE(ip);
    CHECK_FALSE(refused_address(ip).has_value());
  }
}

TEST_CASE("what is not a numeric address is refused, never guessed at") {
  for (const char* text : {"", "localhost", "example.com", "127.1", "0x7f.0.0.1", "1.2.3", "1.2.3.4.5", "::gg", "[::1"}) {
    CAPTURE(text);
    CHECK(refused_address(text).has_value());
  }
}
