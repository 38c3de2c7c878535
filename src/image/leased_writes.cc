#include "image/leased_writes.h"

namespace berth::image {

Status LeasedWrites::Protect(LeaseKind kind, const Digest& d) {
  return images_.LeaseAdd(lease_, kind, d);
}

Result<Digest> LeasedWrites::PutSmall(const std::string& bytes) {
  Digest d = Sha256Of(bytes);
  TRY(Protect(LeaseKind::kBlob, d));
  TRY(content_.Put(d, bytes));
  return d;
}

Status LeasedWrites::StoreLayer(LayerStaging staging, const Digest& chain, const Digest* parent,
                                int64_t bytes) {
  Status leased = Protect(LeaseKind::kLayer, chain);
  if (!leased || snapshots_.HasLayer(chain)) {
    snapshots_.AbortLayer(std::move(staging));
    return leased;
  }
  return snapshots_.CommitLayer(std::move(staging), chain, parent, bytes);
}

}  // namespace berth::image
