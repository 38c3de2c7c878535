// Layer unpack: one image layer blob (a tar stream, gzip/zstd/plain) written
// into an empty directory as an overlayfs lower layer.
//
// The tar stream is untrusted input. libarchive parses it and nothing else;
// every file is created by this code, relative to directory fds:
//   - entry paths are cleaned ("/" and "./" prefixes dropped) and any ".."
//     component is refused, so no entry can name a place outside the root;
//   - parent directories are opened with openat2(RESOLVE_IN_ROOT |
//     RESOLVE_NO_MAGICLINKS): a symlink in the layer ("etc -> /host") is
//     resolved as the container will see it, inside the root, never on the
//     host; missing parents are created (0755, as docker does);
//   - the last component is created with *at() calls on the parent fd
//     (O_EXCL|O_NOFOLLOW, AT_SYMLINK_NOFOLLOW), so no metadata change ever
//     follows a symlink. An existing entry of the same name is replaced
//     (removed first, recursively if it is a directory) unless both are
//     directories, in which case only the metadata is updated.
//   - hard links must name an existing non-directory earlier in this layer;
//     they share the target's inode and metadata (the entry's own owner,
//     mode and times are not applied, as they would rewrite the target's).
// AUFS whiteouts become overlay whiteouts: ".wh.NAME" a 0/0 character device
// NAME, ".wh..wh..opq" the xattr trusted.overlay.opaque=y on its directory.
// Other ".wh..wh." names (AUFS metadata) are skipped; ".wh." with an empty,
// "." or ".." name, or a ".wh." name used as a directory, is refused. Overlay
// xattrs carried in the tar itself (trusted.overlay.*, user.overlay.*) are
// ignored: they would let a layer redirect overlayfs lookups.
//
// Directory modes and times are applied after all entries (creating a child
// changes its directory's mtime, and a read-only directory could not be
// filled). Owners are numeric uid/gid from the tar; user/group names are
// ignored. Data is not fsynced: a layer is committed by renaming its staging
// dir, and one that was cut short is unpacked again.
//
// On error nothing is cleaned up: the caller drops the staging dir.
// Thread safety: independent calls may run concurrently on different roots.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "base/error.h"
#include "image/decompress.h"
#include "image/digest.h"

namespace berth::image {

struct UnpackOptions {
  // The layer's digest (or any name), used in error messages:
  // "layer sha256:...: decompressed size exceeds limit N bytes".
  std::string layer;
  // Decompression-bomb bound on the tar stream's size.
  uint64_t max_uncompressed_bytes = uint64_t{64} << 30;
  // Unpacking without real root (user namespace): chown, device nodes and
  // trusted.*/security.* xattrs that fail with EPERM are skipped (counted in
  // UnpackStats::skipped); the opaque marker falls back to
  // user.overlay.opaque (overlayfs "userxattr").
  bool rootless = false;

  // docker cp's extraction (PUT /containers/{id}/archive) rather than a
  // layer's: ".wh." names are files like any other (no whiteouts), and
  // with `no_overwrite_dir_non_dir` an entry that would replace an
  // existing directory with a non-directory, or the reverse, fails the
  // unpack ("cannot overwrite directory \"/a\" with non-directory
  // \"/a\"", docker's words).
  bool plain_files = false;
  bool no_overwrite_dir_non_dir = false;
  // Every entry owned by these ids instead of the tar's (cp -a into a
  // container that runs as a user).
  std::optional<std::pair<uint32_t, uint32_t>> owner;
  // false: no digests are taken (blob_digest and diff_id stay empty), for
  // docker cp, whose tar names nothing, and for a caller that hashes the
  // stream itself (commit). SHA-256 was a third of berthd's CPU time in a
  // cp into a container.
  bool digests = true;
};

struct UnpackStats {
  Digest blob_digest;  // sha256 of the compressed bytes, as read
  Digest diff_id;      // sha256 of the uncompressed tar stream (the blob's when not compressed)
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  Compression compression = Compression::kNone;
  uint64_t entries = 0;  // tar entries processed, whiteouts included
  uint64_t skipped = 0;  // operations skipped for lack of privilege (rootless)
};

// Reads the whole blob from `read_compressed` (to its EOF, so both digests
// cover every byte) and unpacks it into the directory `rootfd` (which the
// call does not take ownership of). The caller compares blob_digest and
// diff_id with what the manifest and image config promise.
// `read_compressed` is called from a thread the call starts (decompression
// runs beside extraction), one call at a time, never after the call
// returns; when extraction fails it may be called for one more block.
// Errors name the entry: `layer entry "../etc/passwd": path escapes the
// layer root` (`layer sha256:... entry ...` when options.layer is set).
Result<UnpackStats> UnpackLayer(const ReadFn& read_compressed, int rootfd,
                                const UnpackOptions& options);

}  // namespace berth::image
