// Writing images as one tar stream: what `docker save` and GET
// /images/get produce.
//
// The stream is, at once, a docker-archive and an OCI image layout, as
// docker 25+ writes it, so `docker load`, `podman load`, skopeo's
// docker-archive: and oci-archive: transports and umoci all read it:
//   blobs/sha256/<hex>  every manifest, config and layer, byte for byte as
//                       the content store holds them (so digests hold;
//                       layers stay compressed as they were pulled)
//   oci-layout          {"imageLayoutVersion":"1.0.0"}
//   index.json          one entry per (image, name): the image's manifest
//                       and platform, annotated with io.containerd.image.name
//                       (the full reference) and
//                       org.opencontainers.image.ref.name (its tag)
//   manifest.json       docker's list: Config, RepoTags, Layers (paths of
//                       the blobs above)
//   repositories        docker's legacy {"name":{"tag":"<top layer hex>"}}
// An image pulled from a multi-platform index is written as its own
// platform's manifest, so the archive is single-platform and consistent.
// An image whose manifest is Docker schema 2 is written with the OCI
// manifest equivalent to it (same config and layer blobs, OCI media types),
// as docker 25+ does: umoci reads only OCI manifests, and skopeo would
// otherwise convert it and re-serialize the config, changing the image ID.
//
// Entries are reproducible: mode 0644 files and 0755 directories, owner
// 0:0, mtime 0. Nothing is buffered beyond one chunk and no temp file is
// made: the stream can go straight to an HTTP client.
//
// Thread safety: reads the stores only; concurrent saves are fine. The
// caller keeps the images from being removed while a save runs.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "image/content_store.h"
#include "image/digest.h"
#include "image/image_store.h"

namespace berth::image {

// One image to save and the names to give it in the archive.
struct SaveImage {
  Digest id;                      // an ImageRecord's id (config digest)
  std::vector<std::string> refs;  // normalized: "docker.io/library/busybox:latest";
                                  // digest references are written to index.json only
};

enum class ArchiveFormat {
  kDockerAndOci,  // both, as docker 25+ writes (the default)
  kDocker,        // manifest.json + repositories only
  kOci,           // oci-layout + index.json only
};

// Receives the stream in order; an error stops the save and is returned.
using ArchiveWriteFn = std::function<Status(std::string_view)>;

// Writes the images of `to_save` as one tar stream to `write`. Errors name the image or
// blob: "save sha256:…: blob sha256:…: No such file or directory". On error
// the stream written so far is incomplete and must be discarded.
Status SaveImages(const ContentStore& content, ImageStore& images,
                  const std::vector<SaveImage>& to_save, ArchiveFormat format,
                  const ArchiveWriteFn& write);

}  // namespace berth::image
