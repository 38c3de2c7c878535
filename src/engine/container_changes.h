// docker diff (GET /containers/{id}/changes): what a container changed in
// its root filesystem, read from its overlay upper dir against the image's
// layers.
//
// The answer is the difference between the container's view and the
// image's, as dockerd 20.10 reports it with overlay2:
//   - an overlay whiteout (a 0:0 character device) is Deleted;
//   - anything else in the upper dir is Modified when the image's merged
//     layers have that path, Added otherwise. A directory in the upper dir
//     exists there because something beneath it changed (overlay copies
//     parents up) or it changed itself, so every parent of a change is
//     listed too, as Modified (or Added when new);
//   - an opaque directory (trusted.overlay.opaque or user.overlay.opaque
//     "y": removed and made again) is Modified when the image had it, and
//     each entry of the image's directory it hides and does not have again
//     is Deleted, as dockerd lists them.
// The root itself is never listed. Paths are absolute ("/etc/passwd"),
// sorted bytewise.
//
// Walking is fd-relative and never follows a symlink: a container that
// replaces a directory with a link during the walk cannot make it read
// outside the upper dir or the layers. The container should not be
// changing its files meanwhile; what it changes during the walk may or may
// not be seen.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace berth::engine {

struct Change {
  std::string path;
  int kind;  // 0 modified, 1 added, 2 deleted (docker's)
};

inline constexpr int kChangeModified = 0;
inline constexpr int kChangeAdded = 1;
inline constexpr int kChangeDeleted = 2;

// The changes in `upper_dir` over the layers `lower_dirs` (topmost first,
// overlay lowerdir order; each may hold whiteouts and opaque directories of
// its own).
Result<std::vector<Change>> ContainerChanges(const std::vector<std::string>& lower_dirs,
                                             const std::string& upper_dir);

}  // namespace berth::engine
