#pragma once
// The decrypting reader of projections (DESIGN.md decision 6): a batch's sealed personal fields
// opened in place, with the keys of the users they name read in the batch's own transaction, so
// that every read model shows clear values while a user's key exists and nulls once it is erased —
// in a rebuild from offset zero as in the live model. A missing key is never an error: it reads as
// erased. Password hashes never reach a projection.
#include <functional>
#include <pqxx/transaction_base>
#include <string_view>
#include <vector>

#include "events/envelope.hpp"

namespace regent::core {
class MasterKeys;
}

namespace regent::projections {

// Opens the events `wanted` says the projection reads (the others are left as they are), and with
// `origins` their envelopes' ip and useragent too (events/personal_fields.hpp). Throws
// (stalling the partition, not erasing anything) when sealed fields come and there are no master
// keys to open them with.
void open_personal(pqxx::transaction_base& tx, const core::MasterKeys* master, std::vector<events::Envelope>& batch,
                   const std::function<bool(std::string_view type)>& wanted, bool origins = false);

}  // namespace regent::projections
