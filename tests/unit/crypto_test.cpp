#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>

#include "commands/position.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/password.hpp"
#include "events/partitioner.hpp"

using namespace regent;

TEST_CASE("base64url round-trips every length and refuses garbage") {
  for (size_t n = 0; n < 40; ++n) {
    std::string raw;
    for (size_t i = 0; i < n; ++i) raw.push_back(static_cast<char>(i * 37 + 11));
    CHECK(core::base64url_decode(core::base64url_encode(raw)) == raw);
  }
  CHECK(core::base64url_encode("hello?>") == "aGVsbG8_Pg");
  CHECK_FALSE(core::base64url_decode("a").has_value());
  CHECK_FALSE(core::base64url_decode("ab+c").has_value());
  CHECK_FALSE(core::base64url_decode("aB").has_value());  // non-zero trailing bits
}

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2") {
  auto mac = core::hmac_sha256("Jefe", "what do ya want for nothing?");
  static constexpr char hex[] = "0123456789abcdef";
  std::string h;
  for (unsigned char c : mac) h += std::string{hex[c >> 4], hex[c & 15]};
  CHECK(h == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("constant_time_equal") {
  CHECK(core::constant_time_equal("abc", "abc"));
  CHECK_FALSE(core::constant_time_equal("abc", "abd"));
  CHECK_FALSE(core::constant_time_equal("abc", "abcd"));
}

TEST_CASE("uuid_v7 ids are well formed, version 7, variant 10, and increase") {
  std::string prev = core::uuid_v7();
  std::set<std::string> seen{prev};
  for (int i = 0; i < 5000; ++i) {
    std::string id = core::uuid_v7();
    REQUIRE(core::is_uuid(id));
    CHECK(id[14] == '7');
    CHECK(std::string("89ab").find(id[19]) != std::string::npos);
    CHECK(id > prev);
    CHECK(seen.insert(id).second);
    prev = id;
  }
  CHECK_FALSE(core::is_uuid("not-a-uuid"));
}

TEST_CASE("uuid_v7's random part is never shared: between threads, nor between a process and its fork") {
  // The random bits are the last 16 hex digits but the variant's (digit 19's two high bits).
  auto random_part = [](const std::string& id) { return id.substr(20); };
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> threads;
  for (auto& ids : made)
    threads.emplace_back([&ids] {
      for (int i = 0; i < 2000; ++i) ids.push_back(core::uuid_v7());
    });
  for (auto& t : threads) t.join();
  std::set<std::string> seen;
  for (const auto& ids : made)
    for (const auto& id : ids) CHECK(seen.insert(random_part(id)).second);

  core::uuid_v7();  // this thread's pool holds bytes the child inherits
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::string out;
    for (int i = 0; i < 8; ++i) out += random_part(core::uuid_v7());
    ssize_t written = write(fds[1], out.data(), out.size());
    _exit(written == static_cast<ssize_t>(out.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string theirs(8 * 16, '\0');
  size_t got = 0;
  while (got < theirs.size()) {
    ssize_t n = read(fds[0], theirs.data() + got, theirs.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(got == theirs.size());
  CHECK(WIFEXITED(status));
  std::set<std::string> child_parts;
  for (size_t i = 0; i < 8; ++i) child_parts.insert(theirs.substr(i * 16, 16));
  for (int i = 0; i < 8; ++i) CHECK(child_parts.count(random_part(core::uuid_v7())) == 0);
}

TEST_CASE("RFC 3339 times round-trip with milliseconds") {
  auto t = core::parse_rfc3339("2026-11-24T10:00:00.123Z");
  REQUIRE(t.has_value());
  CHECK(core::format_rfc3339(*t) == "2026-11-24T10:00:00.123Z");
  CHECK(core::parse_rfc3339("2026-11-24T11:00:00.123+01:00") == t);
  CHECK_FALSE(core::parse_rfc3339("2026-02-30T10:00:00Z").has_value());
  CHECK_FALSE(core::parse_rfc3339("2026-11-24 10:00:00Z").has_value());
  CHECK_FALSE(core::parse_rfc3339("2026-11-24T10:00:00").has_value());
}

TEST_CASE("argon2id hashes verify the right password only, and are salted") {
  auto h = core::hash_password("correct horse battery");
  CHECK(h.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0);
  CHECK(core::verify_password(h, "correct horse battery"));
  CHECK_FALSE(core::verify_password(h, "correct horse batterY"));
  CHECK(core::hash_password("correct horse battery") != h);
}

TEST_CASE("murmur2 partitioning matches Kafka's Java client") {
  // Values from org.apache.kafka.common.utils.Utils.murmur2, as pinned by Kafka's own tests.
  CHECK(static_cast<int32_t>(events::murmur2("21")) == -973932308);
  CHECK(static_cast<int32_t>(events::murmur2("foobar")) == -790332482);
  CHECK(static_cast<int32_t>(events::murmur2("a-little-bit-long-string")) == -985981536);
  CHECK(static_cast<int32_t>(events::murmur2("a-little-bit-longer-string")) == -1486304829);
  CHECK(static_cast<int32_t>(events::murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")) == -58897971);
  for (int p = 1; p < 20; ++p) CHECK(events::partition_for("tenant", p) < p);
}

TEST_CASE("positions round-trip and bad tokens are refused") {
  auto p = commands::parse_position(commands::format_position({3, 1234}));
  REQUIRE(p.has_value());
  CHECK(p->partition == 3);
  CHECK(p->offset == 1234);
  for (const char* bad : {"", "3", "3.", ".4", "a.b", "-1.2", "1.-2", "1.2.3", "1.2x"}) {
    CAPTURE(bad);
    CHECK_FALSE(commands::parse_position(bad).has_value());
  }
}
