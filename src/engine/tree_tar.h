// docker export: a directory tree (a container's merged root filesystem)
// as one tar stream.
//
// The archive is what `docker export` writes: PAX (ustar with extended
// headers where a name, link or size needs them), no entry for the root
// itself, names relative to it ("bin/busybox", directories ending in "/"),
// each directory's entries in bytewise order. Every kind of file goes in as
// itself: regular files with their bytes, directories, symlinks as links
// (never followed), hard links as link entries to the first name of the
// same inode, character and block devices, fifos; sockets are left out (tar
// cannot hold them). Mode, uid, gid and mtime are the file's; uid/gid 0 are
// named "root", others only by number; the one xattr docker keeps,
// security.capability, goes in as a PAX header.
//
// Safety: the walk is fd-relative from `root_dirfd` and opens each name
// with O_NOFOLLOW, describing the object it opened (fstat of the open fd),
// so a path swapped for a symlink during the walk can never make it read
// outside the tree; what changes during the walk may be left out or seen
// half changed, never followed.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::engine {

// Writes the tree under the directory open as `root_dirfd` (not consumed)
// to `write`, which receives the archive in pieces in order and may fail to
// stop the walk (its error is returned).
Status WriteTreeTar(int root_dirfd, const std::function<Status(std::string_view)>& write);

struct TreeTarOptions {
  // Overlay whiteouts as a layer tar spells them (an image layer made
  // from an overlay upper dir): a 0:0 character device NAME becomes an
  // empty file ".wh.NAME", and a directory marked opaque
  // (trusted.overlay.opaque or user.overlay.opaque "y") gets a
  // ".wh..wh..opq" entry right after its own.
  bool overlay_whiteouts = false;
};

// The object `name` in the directory open as `dirfd` (never followed; "."
// is the directory itself), named `archive_name` in the archive, and
// everything under it when it is a directory ("dir/", "dir/a", ...). What
// docker cp's GET /archive sends, and a layer's tar (`archive_name` ""
// then writes the entries under the directory alone, as WriteTreeTar).
// ENOENT when `name` does not exist.
Status WriteEntryTar(int dirfd, const std::string& name, const std::string& archive_name,
                     const std::function<Status(std::string_view)>& write,
                     const TreeTarOptions& options = {});

}  // namespace berth::engine
