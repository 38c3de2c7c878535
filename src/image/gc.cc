#include "image/gc.h"

#include <set>

namespace berth::image {

Result<GcStats> CollectGarbage(ImageStore& images, const ContentStore& content,
                               Snapshotter& snapshots, std::span<const Digest> extra_layers) {
  // 1. What is on disk now.
  auto blobs_on_disk = TRY_CTX(content.List(), "gc");
  auto layers_on_disk = TRY_CTX(snapshots.Layers(), "gc");

  // 2. The roots, read after the listing (see the header).
  auto roots = TRY_CTX(images.GcRoots(), "gc");
  std::set<Digest> keep_blobs(roots.blobs.begin(), roots.blobs.end());
  std::set<Digest> keep_layers;
  auto keep_chain = [&](const Digest& top) {
    auto chain = snapshots.Ancestry(top);
    // A root whose layer is not there (yet: a pull's lease names it before
    // it is committed) keeps nothing more.
    if (!chain) {
      keep_layers.insert(top);
      return;
    }
    keep_layers.insert(chain->begin(), chain->end());
  };
  for (const Digest& d : roots.layers) keep_chain(d);
  for (const Digest& d : extra_layers) keep_chain(d);

  // 3. Sweep.
  GcStats stats;
  for (const Digest& d : blobs_on_disk) {
    if (keep_blobs.count(d)) continue;
    int64_t size = content.Size(d).value_or(0);
    TRY_CTX(content.Delete(d), "gc");
    stats.blobs_removed++;
    stats.bytes_freed += size;
  }
  for (const Digest& d : layers_on_disk) {
    if (keep_layers.count(d)) continue;
    stats.layer_bytes_freed += snapshots.LayerSize(d);
    TRY_CTX(snapshots.RemoveLayer(d), "gc");
    stats.layers_removed++;
  }
  return stats;
}

}  // namespace berth::image
