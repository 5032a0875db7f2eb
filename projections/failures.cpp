#include "projections/failures.hpp"

#include <pqxx/except>
#include <string>

namespace regent::projections {

bool transient_failure(const std::exception& ex) {
  if (dynamic_cast<const CheckpointMoved*>(&ex)) return true;
  if (dynamic_cast<const pqxx::broken_connection*>(&ex) || dynamic_cast<const pqxx::in_doubt_error*>(&ex) ||
      dynamic_cast<const pqxx::transaction_rollback*>(&ex))
    return true;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&ex)) {
    const std::string& state = sql->sqlstate();
    // 08 connection, 40 rollback (serialization, deadlock), 53 resources, 57 operator
    // intervention (shutdown, cancel), 58 system error, 55P03 lock not available.
    for (const char* cls : {"08", "40", "53", "57", "58"})
      if (state.rfind(cls, 0) == 0) return true;
    return state == "55P03" || state.empty();
  }
  // Anything else pqxx calls a failure (a broken pipe, an unexpected reply) is about the link.
  return dynamic_cast<const pqxx::failure*>(&ex) != nullptr;
}

}  // namespace regent::projections
