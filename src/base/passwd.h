// User names from an /etc/passwd file, read directly: the runtime is a
// static binary and must not depend on glibc's NSS modules at run time.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace berth {

// The name of `uid` in passwd-format `text` (name:pw:uid:gid:...), if listed.
std::optional<std::string> UserNameIn(std::string_view text, uid_t uid);

// The home directory of `uid` in passwd-format `text`, if listed.
std::optional<std::string> HomeDirIn(std::string_view text, uid_t uid);

// The name of `uid` from `path`, or the uid in decimal when the file is
// missing or does not list it (as `ls -l` shows unknown owners).
std::string UserNameOrId(uid_t uid, const std::string& path = "/etc/passwd");

// The calling user's home directory: $HOME, else the passwd entry of the
// real uid in `path`, else "/" (where a process without either runs).
std::string HomeDirectory(const std::string& path = "/etc/passwd");

}  // namespace berth
