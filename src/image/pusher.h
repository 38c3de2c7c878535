// Pushing an image from the content store to a registry: what `docker
// push` and POST /images/{name}/push do. The mirror image of puller.h.
//
// The driver, step by step:
//   1. find the manifest to push: the image's target when it is a
//      manifest; when it is an index (a multi-platform pull), the platform
//      manifest the image was pulled as, i.e. the one among the index's
//      entries held in the content store whose config is the image's ID.
//      Only that single-platform manifest is pushed, as docker 20.10 does;
//   2. make every layer present in the target repository, in parallel (at
//      most `max_concurrent` at once), then the config: a blob the
//      repository already has (HEAD) is skipped; otherwise a
//      cross-repository mount from one of the `mount_from` repositories
//      is tried; otherwise the blob is uploaded, streamed from the content
//      store (monolithic, or in chunks of `chunk_size`);
//   3. PUT the manifest, last (a registry refuses a manifest whose blobs it
//      lacks), with its exact stored bytes: never re-serialized, so its
//      digest is the one the image was pulled or built with.
// A failed push PUTs no manifest, so the tag on the registry is untouched;
// blobs already uploaded stay there (a retry finds them with HEAD).
//
// Progress is reported as docker reports it, one event per layer state
// change and per chunk uploaded: "Preparing", "Waiting", "Pushing"
// (current/total), then "Pushed", "Layer already exists" or "Mounted from
// REPO". The config gets no events (docker shows none). The closing
// "TAG: digest: sha256:… size: N" line is the caller's, from PushResult.
//
// Thread safety: Push may run concurrently for any images; it only reads
// the stores.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"
#include "image/content_store.h"
#include "image/digest.h"
#include "image/image_store.h"
#include "image/reference.h"
#include "image/registry_client.h"
#include "image/transfer_progress.h"

namespace berth::image {

using PushProgress = TransferProgress;
using PushProgressFn = TransferProgressFn;

struct PushOptions {
  RegistryOptions registry;
  // Bytes per PATCH of a chunked upload; 0 uploads each blob in one PUT.
  int64_t chunk_size = 0;
  // Layers uploaded at once (docker's max-concurrent-uploads default).
  int max_concurrent = 5;
};

struct PushResult {
  Digest digest;     // of the manifest pushed
  int64_t size = 0;  // its length in bytes
};

class Pusher {
 public:
  Pusher(ContentStore& content, ImageStore& images, PushOptions options)
      : content_(content), images_(images), options_(std::move(options)) {}

  // Pushes `image` as `target` (normalized; its tag, or its digest when it
  // has no tag, names the manifest on the registry). `mount_from` lists
  // repository paths on the same registry ("library/busybox") that may
  // already hold the image's blobs: the image's other names there. Errors
  // are one line naming the target and, when one is at fault, the blob:
  // "push HOST/x:1: blob sha256:…: missing from the content store".
  Result<PushResult> Push(const ImageRecord& image, const Reference& target,
                          const std::vector<std::string>& mount_from,
                          const PushProgressFn& progress);

 private:
  ContentStore& content_;
  ImageStore& images_;
  PushOptions options_;
};

}  // namespace berth::image
