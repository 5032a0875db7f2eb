#include "projections/personal_reader.hpp"

#include <stdexcept>

#include "core/data_keys.hpp"
#include "events/personal_fields.hpp"

namespace regent::projections {

void open_personal(pqxx::transaction_base& tx, const core::MasterKeys* master, std::vector<events::Envelope>& batch,
                   const std::function<bool(std::string_view type)>& wanted) {
  std::vector<std::string> owners;
  std::vector<std::pair<events::Envelope*, std::string>> sealed;
  for (auto& e : batch) {
    if (!events::has_personal(e.data) || !wanted(e.type)) continue;
    auto owner = events::personal_owner(e.data).value_or("");
    if (events::has_sealed(e.data)) owners.push_back(owner);
    sealed.emplace_back(&e, std::move(owner));
  }
  if (sealed.empty()) return;
  if (!owners.empty() && !master) throw std::runtime_error("personal fields are sealed and no master keys were given");
  auto keys = owners.empty() ? std::unordered_map<std::string, std::string>{}
                             : core::DataKeys::read_in(tx, *master, owners);
  for (auto& [e, owner] : sealed) {
    auto key = keys.find(owner);
    e->data = events::open_personal(e->data, key == keys.end() ? std::nullopt : std::optional<std::string>(key->second), e->id);
  }
}

}  // namespace regent::projections
