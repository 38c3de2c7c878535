// Pulling an image from a registry into the content store, the layer
// snapshots and the image store: what `docker pull` and POST
// /images/create do.
//
// The driver, step by step:
//   1. resolve the reference to a manifest (picking the host's platform
//      from an index or manifest list);
//   2. fetch the config; its diff_ids name the layers' uncompressed
//      content, their chain IDs name the snapshots;
//   3. fetch and unpack the layers in parallel (at most
//      `max_concurrent` at once): each download streams into the content
//      store and, at the same time, through a bounded pipe into the
//      unpacker, so a layer is extracted while it arrives; the blob digest
//      and the diff_id are both checked before anything is committed;
//      layers already present are skipped;
//   4. record the image and its tags, then drop the lease that protected
//      the pull's content from GC while it ran.
// A failed pull leaves no image record, no tag and no partial layer; the
// blobs it completed stay until GC (a retry reuses them).
//
// Progress is reported as docker reports it (one event per layer state
// change and per chunk downloaded), for the API to stream as JSON messages.
// Thread safety: Pull may run concurrently for different (or the same)
// images; the stores it writes are safe to share.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/error.h"
#include "image/content_store.h"
#include "image/image_store.h"
#include "image/reference.h"
#include "image/registry_client.h"
#include "image/snapshotter.h"
#include "image/transfer_progress.h"

namespace berth::image {

using PullProgress = TransferProgress;
using PullProgressFn = TransferProgressFn;

struct PullOptions {
  RegistryOptions registry;
  int max_concurrent = 3;                         // docker's max-concurrent-downloads default
  uint64_t max_layer_bytes = uint64_t{64} << 30;  // decompression-bomb bound
};

struct PullResult {
  Digest image_id;          // config digest
  Digest pulled_digest;     // what the reference resolved to (index or manifest)
  bool downloaded = false;  // false when every piece was already here
};

class Puller {
 public:
  Puller(ContentStore& content, Snapshotter& snapshots, ImageStore& images, PullOptions options)
      : content_(content), snapshots_(snapshots), images_(images), options_(std::move(options)) {}

  // Pulls `ref` (normalized; tag or digest). Errors name the reference.
  Result<PullResult> Pull(const Reference& ref, const PullProgressFn& progress);

 private:
  ContentStore& content_;
  Snapshotter& snapshots_;
  ImageStore& images_;
  PullOptions options_;
};

}  // namespace berth::image
