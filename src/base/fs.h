// File helpers for the parent side of berth (never between clone and exec:
// these allocate). Paths are host paths.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth {

// Reads a whole file.
Result<std::string> ReadFile(const std::string& path);

// Replaces `path` with `data` so that a reader sees the old or the new
// content, never a mix, even across a crash: a temp file in the same
// directory, fsync, rename over, fsync of the directory.
Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode = 0644);

// Writes `data` to an existing file (sysfs, procfs, cgroupfs) in one write.
Status WriteExisting(const std::string& path, std::string_view data);

// mkdir -p. Existing directories are fine; an existing non-directory is not.
Status MkdirAll(const std::string& path, mode_t mode);

// rm -rf of a directory tree that berth owns (state dirs). Does not follow
// symlinks and does not cross mount points.
Status RemoveAll(const std::string& path);

// Absolute form of `path`, relative to `base` when `path` is relative.
// Purely lexical ("a/../b" -> "b"); does not touch the filesystem.
// The names in the directory open at `dirfd` (not "." and ".."), sorted;
// `path` names it in errors. `dirfd` stays open and unmoved.
Result<std::vector<std::string>> ListDirAt(int dirfd, const std::string& path);

std::string JoinPath(std::string_view base, std::string_view path);
std::string CleanPath(std::string_view path);

}  // namespace berth
