// The projection engine's pure parts: which failures are retried as they are and which stall a
// partition on its event, and how runners hand partitions over on a rebalance.
#include <doctest/doctest.h>

#include <pqxx/except>
#include <thread>

#include "projections/assignment.hpp"
#include "projections/failures.hpp"

using regent::projections::Assignment;
using regent::projections::transient_failure;

TEST_CASE("the environment's failures are retried, an event's failures stall its partition") {
  CHECK(transient_failure(pqxx::broken_connection("server closed the connection")));
  CHECK(transient_failure(pqxx::in_doubt_error("commit outcome unknown")));
  CHECK(transient_failure(pqxx::deadlock_detected("deadlock")));
  CHECK(transient_failure(regent::projections::CheckpointMoved("moved")));
  CHECK(transient_failure(pqxx::sql_error("terminating connection due to administrator command", "", "57P01")));
  CHECK(transient_failure(pqxx::sql_error("could not serialize", "", "40001")));
  CHECK(transient_failure(pqxx::sql_error("lock timeout", "", "55P03")));
  CHECK(transient_failure(pqxx::sql_error("out of memory", "", "53200")));
  CHECK(transient_failure(pqxx::sql_error("no state: the link broke mid-query", "", "")));

  CHECK_FALSE(transient_failure(pqxx::sql_error("violates check constraint", "", "23514")));
  CHECK_FALSE(transient_failure(pqxx::sql_error("duplicate key", "", "23505")));
  CHECK_FALSE(transient_failure(pqxx::sql_error("invalid input syntax for type uuid", "", "22P02")));
  CHECK_FALSE(transient_failure(pqxx::sql_error("column does not exist", "", "42703")));
  CHECK_FALSE(transient_failure(pqxx::conversion_error("not a number")));
  CHECK_FALSE(transient_failure(std::runtime_error("a bug in a projection")));
}

TEST_CASE("a rebalance waits until every runner has let go of the revoked partitions") {
  Assignment a;
  size_t first = a.add_runner(), second = a.add_runner();
  a.add({0, 1, 2});
  auto view = a.get();
  CHECK(view.partitions == std::set<int32_t>{0, 1, 2});
  CHECK_FALSE(a.wait_acknowledged(std::chrono::milliseconds(10)));
  a.acknowledge(first, view.generation);
  CHECK_FALSE(a.wait_acknowledged(std::chrono::milliseconds(10)));  // the second still works on the old set
  a.acknowledge(second, view.generation);
  CHECK(a.wait_acknowledged(std::chrono::milliseconds(10)));

  a.remove({1});
  CHECK(a.get().partitions == std::set<int32_t>{0, 2});
  CHECK(a.generation() > view.generation);
  CHECK_FALSE(a.wait_acknowledged(std::chrono::milliseconds(10)));
  // Runners pick the change up from another thread; the revocation returns once both have.
  std::thread runners([&] {
    a.wait_change(view.generation, std::chrono::seconds(5));
    auto now = a.get();
    a.acknowledge(first, now.generation);
    a.acknowledge(second, now.generation);
  });
  CHECK(a.wait_acknowledged(std::chrono::seconds(5)));
  runners.join();
}
