#include <doctest/doctest.h>

#include "api/forwarder.hpp"

using namespace regent;

namespace {
api::Request request() {
  api::Request r;
  r.method = "POST";
  r.path = "/v1/users/u1/wallet/debits";
  r.target = "/v1/users/u1/wallet/debits?x=1";
  r.remote_ip = "203.0.113.9";
  r.request_id = "rid-1";
  return r;
}
}  // namespace

TEST_CASE("a forwarded request keeps its client's address, and only a peer with the secret can say so") {
  api::Forwarder peer(std::string(40, 'k'), std::chrono::seconds(1));
  api::Forwarder owner(std::string(40, 'k'), std::chrono::seconds(1));
  auto sent = request();
  auto arrived = request();
  arrived.remote_ip = "10.0.0.2";  // the peer's address, as the owner's socket sees it
  arrived.headers["regent-forwarded"] = peer.header_for(sent);
  CHECK(owner.accept(arrived));
  CHECK(arrived.remote_ip == "203.0.113.9");
  CHECK(arrived.headers.count("regent-forwarded") == 0);

  SUBCASE("a client forging the header gains nothing") {
    api::Forwarder stranger(std::string(40, 'x'), std::chrono::seconds(1));
    for (std::string forged : {stranger.header_for(sent), std::string("for=1.2.3.4;sig=abc"), std::string("for=1.2.3.4"),
                               std::string("garbage")}) {
      auto r = request();
      r.remote_ip = "198.51.100.7";
      r.headers["regent-forwarded"] = forged;
      CHECK_FALSE(owner.accept(r));
      CHECK(r.remote_ip == "198.51.100.7");
      CHECK(r.headers.count("regent-forwarded") == 0);  // never passed on to handlers
    }
  }
  SUBCASE("the signature is bound to the request: another path, id or address does not verify") {
    auto header = peer.header_for(sent);
    auto other_path = request();
    other_path.target = "/v1/users/u2/wallet/debits";
    auto other_id = request();
    other_id.request_id = "rid-2";
    for (auto* r : {&other_path, &other_id}) {
      r->headers["regent-forwarded"] = header;
      CHECK_FALSE(owner.accept(*r));
    }
    auto other_ip = request();
    std::string changed = header;
    changed.replace(4, std::string("203.0.113.9").size(), "203.0.113.8");
    other_ip.headers["regent-forwarded"] = changed;
    CHECK_FALSE(owner.accept(other_ip));
  }
}
