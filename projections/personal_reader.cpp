#include "projections/personal_reader.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/data_keys.hpp"
#include "core/sealed_fields.hpp"
#include "events/personal_fields.hpp"

namespace regent::projections {

void open_personal(pqxx::transaction_base& tx, const core::MasterKeys* master, std::vector<events::Envelope>& batch,
                   const std::function<bool(std::string_view type)>& wanted, bool origins) {
  std::vector<std::string> owners;
  std::vector<std::pair<events::Envelope*, std::string>> sealed;
  std::vector<std::pair<events::Envelope*, std::string>> origin;
  for (auto& e : batch) {
    if (!wanted(e.type)) continue;
    if (origins && (core::is_sealed(e.ip) || core::is_sealed(e.user_agent)))
      if (auto owner = events::origin_owner(e)) {
        owners.push_back(*owner);
        origin.emplace_back(&e, std::move(*owner));
      }
    if (!events::has_personal(e.data)) continue;
    auto owner = events::personal_owner(e.data).value_or("");
    if (events::has_sealed(e.data)) owners.push_back(owner);
    sealed.emplace_back(&e, std::move(owner));
  }
  if (sealed.empty() && origin.empty()) return;
  std::sort(owners.begin(), owners.end());
  owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
  if (!owners.empty() && !master) throw std::runtime_error("personal fields are sealed and no master keys were given");
  auto keys = owners.empty() ? std::unordered_map<std::string, std::string>{}
                             : core::DataKeys::read_in(tx, *master, owners);
  auto key_of = [&](const std::string& owner) {
    auto key = keys.find(owner);
    return key == keys.end() ? std::nullopt : std::optional<std::string>(key->second);
  };
  for (auto& [e, owner] : sealed) e->data = events::open_personal(e->data, key_of(owner), e->id);
  for (auto& [e, owner] : origin) events::open_origin(*e, key_of(owner));
}

}  // namespace regent::projections
