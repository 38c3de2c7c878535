// Seeding a volume from the image, as docker does the first time an empty
// volume is mounted: the content the container's root filesystem has at
// the mount's destination is copied into the volume, keeping owners,
// modes, times, extended attributes, symlinks and special files.
//
// The container's side is read by fd inside its root: the destination is
// resolved with openat2(RESOLVE_IN_ROOT) (a symlink in the image cannot
// lead the copy to the host), and every entry below it is opened with
// O_NOFOLLOW relative to its parent, so symlinks are copied as symlinks
// and never followed. Special files (devices) are recreated only as root.
// Thread-safe for distinct volumes.
#pragma once

#include <string>

#include "base/error.h"

namespace berth::engine {

// Copies what `rootfs` has at `path_in_container` into `volume_dir` when
// `volume_dir` is empty; nothing when it is not, or when the path is not a
// directory in the container (then there is nothing to seed).
Status SeedVolume(const std::string& rootfs, const std::string& path_in_container,
                  const std::string& volume_dir);

}  // namespace berth::engine
