// Importing a root filesystem tarball as a one-layer image: what `docker
// import` and POST /images/create?fromSrc= do.
//
// The tarball (plain, gzip, zstd, xz or bzip2: told by its first bytes)
// is read once, as a stream, and goes at the same time to layer_unpack
// (into a snapshot staging dir, with all its checks on untrusted entries)
// and to a spool file in the content store's ingest dir. The layer blob is
// stored as the client sent it, so an import costs no recompression and a
// push sends it as it is: a plain tar as
// application/vnd.docker.image.rootfs.diff.tar (its digest is its
// diff_id), gzip as docker's ...diff.tar.gzip, zstd as OCI's tar+zstd.
// xz and bzip2, which no layer media type names, are decoded first and
// kept as the plain tar.
//
// Then the image is made as docker makes it: a config with the platform,
// created = now, the one diff_id, a history entry whose comment is the
// message, and the container config that the --change lines give (see
// config_changes.h); a docker schema 2 manifest naming config and layer;
// the image record; the tag. Everything written is held by a lease until
// the record exists, so a GC running meanwhile keeps it. A failed import
// (a bad change, a refused tar entry, a short stream) records and tags
// nothing; the caller runs GC to drop what it stored.
//
// Thread safety: imports may run concurrently; the stores are safe to share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "image/content_store.h"
#include "image/decompress.h"
#include "image/digest.h"
#include "image/image_store.h"
#include "image/snapshotter.h"
#include "spec/image_spec.h"

namespace berth::image {

struct ImportOptions {
  // The --change lines, applied to an empty container config first: a bad
  // one fails the import before the tarball is read.
  std::vector<std::string> changes;
  // The config's and history's comment ("Imported from -" is docker's
  // default, which the API sets).
  std::string message;
  spec::Platform platform;  // os, architecture, variant of the image
  // The normalized reference to tag ("docker.io/library/app:latest"), if any.
  std::optional<std::string> tag;
  // Decompression-bomb bound on the uncompressed tar.
  uint64_t max_layer_bytes = uint64_t{64} << 30;
};

// Reads the tarball from `read` to its end and records the image. Returns
// its ID (the config digest). Errors are one line naming the cause:
// `import: layer entry "../escape": path escapes the layer root`; a bad
// change is EINVAL.
Result<Digest> ImportImage(const ContentStore& content, Snapshotter& snapshots, ImageStore& images,
                           const ReadFn& read, const ImportOptions& options);

}  // namespace berth::image
