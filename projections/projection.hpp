#pragma once
// A read model fed from the log. The engine hands it batches of valid events in log order inside
// the transaction that also moves its checkpoint, so each event takes effect exactly once.
#include <pqxx/transaction>
#include <string>
#include <string_view>
#include <vector>

#include "events/envelope.hpp"

namespace regent::projections {

class Projection {
 public:
  virtual ~Projection() = default;
  virtual std::string name() const = 0;
  // Bumped with every change to what the model holds or how it is computed (a migration that
  // changes its tables, a fix to its SQL): a model built by an older version is rebuilt.
  virtual int version() const = 0;
  // Every table the model owns, and nothing else: a rebuild writes fresh copies of these.
  virtual std::vector<std::string> tables() const = 0;
  // Unqualified table names only: a rebuild runs the same statements against its own schema.
  virtual void apply(pqxx::work& tx, const std::vector<events::Envelope>& batch) = 0;
  // Whether events of `type` may change the model. A batch with none is not applied at all (its
  // checkpoints are written later, with the next one): a type wrongly left out here is lost to
  // the model, so a projection names a superset (a prefix) or keeps this default.
  virtual bool handles(std::string_view /*type*/) const { return true; }
  // Whether it reads the envelope's ip and useragent (opened with the acting user's key first).
  virtual bool reads_origin() const { return false; }
};

}  // namespace regent::projections
