// Committing a container's writable layer as a new image: what `docker
// commit` and POST /commit do, on the image side.
//
// The caller supplies the layer as a tar writer (the container's overlay
// upper dir, whiteouts spelled as a layer tar spells them) and the new
// image's container config. The tar is produced once: as it is written it
// is hashed and written as the layer blob into the content store's ingest
// dir (uncompressed, so its digest is its diff_id, as docker's commit
// makes it; renamed into blobs/ once its digest is known and leased) and,
// at the same time on a second thread, unpacked by layer_unpack into a snapshot staging dir,
// which becomes the layer directory over the parent's top layer. No
// second read of the tar, no compression.
//
// Then the image: the parent's config with the new container config,
// created = now, author and comment, the "container" and
// "container_config" docker records, one more history entry and one more
// diff_id; a manifest of the parent's kind (Docker schema 2 or OCI) with the
// parent's layers and the new one; the record (holding the parent's blobs
// too, so GC keeps them) and the tag. Everything written is leased until
// the record exists; a failed commit records and tags nothing (the caller
// runs GC for what it stored).
//
// Thread safety: commits may run concurrently; the stores are safe to share.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "image/content_store.h"
#include "image/digest.h"
#include "image/image_store.h"
#include "image/snapshotter.h"

namespace berth::image {

using LayerWriteFn = std::function<Status(std::string_view)>;
// Writes the whole layer tar through the function it is given.
using LayerSourceFn = std::function<Status(const LayerWriteFn&)>;

struct CommitOptions {
  ImageRecord parent;               // the image the container was made from
  nlohmann::json config;            // the new image's "config" (docker's names)
  nlohmann::json container_config;  // the container's own, as docker records it
  std::string container_id;         // "container" in the image config
  std::string author, comment;      // config and history
  std::string created_by;           // history: the container's command
  std::optional<std::string> tag;   // normalized reference to tag, if any
  uint64_t max_layer_bytes = uint64_t{64} << 30;
};

struct CommitResult {
  Digest id;
  int64_t layer_bytes = 0;  // the new layer's unpacked size
};

Result<CommitResult> CommitImage(const ContentStore& content, Snapshotter& snapshots,
                                 ImageStore& images, const LayerSourceFn& layer,
                                 const CommitOptions& options);

}  // namespace berth::image
