// Resolving docker's --user ("name", "uid", "name:group", "uid:gid", ...)
// to the ids a container's process runs with, from the container's own
// /etc/passwd and /etc/group, as docker (runc's GetExecUser) does:
//   - a name must be listed in passwd; a number need not be (then gid 0
//     and home "/");
//   - without a group, the primary group is passwd's, and the additional
//     groups are those of /etc/group that list the user by name;
//   - with a group, that group alone (a name must be listed in group).
// Pure functions over the files' text, plus a reader that opens them inside
// a rootfs without following links out of it. Thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth::engine {

struct ResolvedUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  std::string home = "/";
};

// `spec` as docker takes it; empty means root. Errors use docker's words:
// "unable to find user bob: no matching entries in passwd file".
Result<ResolvedUser> ResolveUser(std::string_view spec, std::string_view passwd,
                                 std::string_view group);

// Reads `path` ("/etc/passwd") inside `rootfs`, resolving every link as if
// `rootfs` were "/"; "" when the file does not exist.
Result<std::string> ReadFileInRoot(const std::string& rootfs, const std::string& path);

// mkdir -p of `path` inside `rootfs`, links resolved as if `rootfs` were
// "/" (a link in the image cannot point the mkdir outside it). New
// directories are 0755, owned by whoever calls.
Status MkdirAllInRoot(const std::string& rootfs, const std::string& path);

}  // namespace berth::engine
