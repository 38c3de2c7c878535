// Loading images from a tar stream: what `docker load` and POST
// /images/load do.
//
// Accepted archives, whole-stream gzip or zstd compressed or not:
//   - OCI image layouts (oci-layout + index.json + blobs/sha256/…), as
//     docker 25+, skopeo's oci-archive: and `podman save --format oci-archive`
//     write; an index.json entry that is itself an index (multi-platform) is
//     resolved to the host's platform;
//   - docker-archives (manifest.json: Config, RepoTags, Layers paths), old
//     style ("<id>/layer.tar", "<hex>.json") or new (paths into blobs/);
//     layer files may be plain tar, gzip or zstd. Such an image has no
//     manifest blob; one (docker schema 2, or OCI when a layer is zstd) is
//     made and stored, so the image can be pushed or saved later.
// When both are present (docker 25+), the OCI index is followed and the
// RepoTags of manifest.json name the images too; but manifest.json, which
// docker itself loads from, is taken when the OCI half is broken as docker
// 25.0.0 wrote it: `"manifests": null` (an image saved by digest or ID),
// or an OCI manifest that lists no layers.
//
// Names: manifest.json's RepoTags; in index.json, io.containerd.image.name,
// else org.opencontainers.image.ref.name when it is a whole reference
// ("name:tag", as skopeo and podman write it). A bare tag there ("latest",
// as docker 25+ and umoci write it) names no repository and is ignored;
// an image left without a name loads untagged, by ID.
//
// The stream is read once, in order, without seeking (it may arrive over
// HTTP): files under blobs/sha256/ stream into the content store, verified
// against their names; other files are hashed on the way in (small JSON
// documents in memory, the rest spooled to the ingest directory). After
// the end of the stream the images are assembled: each config's diff_ids
// are checked against the layers as they are unpacked into snapshots
// (layers already present are reused), then image records are written and
// the images tagged. Everything written is held by a lease until then, so
// a GC running meanwhile is safe; a failed load records and tags nothing.
//
// Entries must be regular files, directories, or links (symbolic or hard)
// to another file of the archive, as old docker-archives use for repeated
// layers; absolute paths and ".." that would leave the archive are refused.
// Errors are one line naming the entry or blob: "load: manifest.json:
// layer blobs/sha256/ab… missing from the archive".
//
// Thread safety: loads may run concurrently; the stores are safe to share.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"
#include "image/content_store.h"
#include "image/decompress.h"
#include "image/digest.h"
#include "image/image_store.h"
#include "image/snapshotter.h"

namespace berth::image {

struct LoadedImage {
  Digest id;                      // config digest
  std::vector<std::string> refs;  // normalized tags set: "docker.io/library/busybox:latest"
};

struct LoadOptions {
  // Decompression-bomb bounds: the archive as a whole, and each layer.
  uint64_t max_archive_bytes = uint64_t{1} << 40;
  uint64_t max_layer_bytes = uint64_t{64} << 30;
};

// Progress lines for the user, as docker prints them: "Loading layer
// 3f2a…", "Loaded image: busybox:latest", "Loaded image ID: sha256:…".
using LoadProgressFn = std::function<void(const std::string&)>;

// Reads an archive from `read` to its end and loads every image in it.
// Returns the images in archive order with the tags that now point at
// them. `progress` may be empty.
Result<std::vector<LoadedImage>> LoadImages(const ContentStore& content, Snapshotter& snapshots,
                                            ImageStore& images, const ReadFn& read,
                                            const LoadProgressFn& progress,
                                            const LoadOptions& options = {});

}  // namespace berth::image
