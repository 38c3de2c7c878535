// Mounts under the container's rootfs, with the new mount API: every
// target is resolved inside the root by fd (openat2 RESOLVE_IN_ROOT) and
// every filesystem is attached to that fd with move_mount(), so a symlink
// swapped in by the container can never redirect a mount to the host
// (CVE-2021-30465). PlanMount() runs in the parent and may allocate; the
// other functions run in the container's init and do not.
#pragma once

#include <string>

#include "base/error.h"
#include "runtime/init_plan.h"

namespace berth::runtime {

// Turns a config mount into a MountStep: classifies each option into mount
// attributes, propagation, recursive attributes or filesystem options.
// `bundle` resolves relative bind sources.
Result<MountStep> PlanMount(const spec::Mount& m, const std::string& bundle);

// Opens `path` (relative to the root or absolute) inside rootfd with
// RESOLVE_IN_ROOT, creating missing directories (0755) and, when
// `last_is_file`, the last component as an empty file. Returns an O_PATH
// fd or -1 with errno. With `no_follow_last`, a symlink in the last
// component is returned as itself (so callers can refuse it).
int MkdirAllInRoot(int rootfd, const char* path, bool last_is_file, bool no_follow_last);

// Attaches one mount. Returns 0, or -1 with errno and a message in err.
int AttachMount(int rootfd, const MountStep& m, char* err, size_t err_len);

// maskedPaths: a directory gets an empty read-only tmpfs, anything else a
// bind of `null_fd` (a verified /dev/null). Missing paths are skipped.
int MaskPath(int rootfd, const char* path, int null_fd, char* err, size_t err_len);

// readonlyPaths: a recursive read-only bind of the path onto itself.
int ReadonlyPath(int rootfd, const char* path, char* err, size_t err_len);

// Binds the object behind `src_fd` (a file, device or pty) onto `path`,
// creating `path` as an empty file first.
int BindFdOnto(int rootfd, int src_fd, const char* path, char* err, size_t err_len);

}  // namespace berth::runtime
