#include "events/fence.hpp"

#include "core/json.hpp"
#include "events/event_types.hpp"

namespace regent::events {

bool marker_claim(const Envelope& e, std::string& writer_id, int64_t& epoch) {
  auto doc = core::JsonDocument::parse(e.data);
  if (!doc) return false;
  auto w = core::get_string(doc->root(), "writer_id");
  auto ep = core::get_int(doc->root(), "epoch");
  if (!w || !ep) return false;
  writer_id = std::string(*w);
  epoch = *ep;
  return true;
}

Verdict admit(FenceState& fence, const Envelope& e) {
  if (e.type == types::owner_claimed) {
    std::string writer;
    int64_t epoch = 0;
    if (!marker_claim(e, writer, epoch) || epoch <= fence.epoch) return Verdict::invalid;
    fence.writer_id = std::move(writer);
    fence.epoch = epoch;
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
