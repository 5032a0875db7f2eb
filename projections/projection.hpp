#pragma once
// A read model fed from the log. The engine hands it batches of valid events in log order inside
// the transaction that also moves its checkpoint, so each event takes effect exactly once.
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "events/envelope.hpp"

namespace regent::projections {

class Projection {
 public:
  virtual ~Projection() = default;
  virtual std::string name() const = 0;
  virtual void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) = 0;
};

}  // namespace regent::projections
