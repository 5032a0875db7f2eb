#include "events/fence.hpp"

#include "core/json.hpp"
#include "events/event_types.hpp"

namespace regent::events {

std::optional<Claim> marker_claim(const Envelope& e) {
  auto doc = core::JsonDocument::parse(e.data);
  if (!doc) return std::nullopt;
  auto w = core::get_string(doc->root(), "writer_id");
  auto ep = core::get_int(doc->root(), "epoch");
  if (!w || !ep) return std::nullopt;
  auto url = core::get_string(doc->root(), "url");
  return Claim{std::string(*w), *ep, url ? std::string(*url) : std::string()};
}

Verdict admit(FenceState& fence, const Envelope& e) {
  if (e.type == types::owner_claimed) {
    auto claim = marker_claim(e);
    if (!claim || claim->epoch <= fence.epoch) return Verdict::invalid;
    fence.writer_id = std::move(claim->writer_id);
    fence.epoch = claim->epoch;
    fence.url = std::move(claim->url);
    fence.last_id = e.id;
    return Verdict::marker;
  }
  if (fence.epoch == 0 || e.writer_epoch != fence.epoch || e.writer_id != fence.writer_id)
    return Verdict::invalid;
  // Events written before the chain existed carry no link; a broken link is a gap.
  if (!e.writer_prev.empty() && !fence.last_id.empty() && e.writer_prev != fence.last_id) return Verdict::invalid;
  fence.last_id = e.id;
  return Verdict::valid;
}

}  // namespace regent::events
