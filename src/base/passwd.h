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

// The name of `uid` from `path`, or the uid in decimal when the file is
// missing or does not list it (as `ls -l` shows unknown owners).
std::string UserNameOrId(uid_t uid, const std::string& path = "/etc/passwd");

}  // namespace berth
