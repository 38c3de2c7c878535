// Garbage collection of image content: blobs and layer snapshots that no
// image, lease or container references any more.
//
// Mark and sweep, in an order that is safe against a pull running at the
// same time: first list what is on disk, then read the roots. A pull adds
// each blob and layer to its lease before writing it, so anything the disk
// listing saw either is already in the roots read after it, or was written
// by an operation that finished (and recorded an image) before the roots
// were read. Content that appears after the listing is not considered at
// all. Layers are kept with all their ancestors.
#pragma once

#include <cstdint>
#include <span>

#include "base/error.h"
#include "image/content_store.h"
#include "image/image_store.h"
#include "image/snapshotter.h"

namespace berth::image {

struct GcStats {
  int blobs_removed = 0;
  int layers_removed = 0;
  int64_t bytes_freed = 0;        // blob bytes
  int64_t layer_bytes_freed = 0;  // unpacked bytes of the layers removed
};

// `extra_layers`: chain IDs in use outside the image store (containers'
// roots); kept with their ancestors.
Result<GcStats> CollectGarbage(ImageStore& images, const ContentStore& content,
                               Snapshotter& snapshots, std::span<const Digest> extra_layers = {});

}  // namespace berth::image
