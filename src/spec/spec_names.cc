// The value sets the runtime-spec names (namespaces, capabilities, rlimits,
// mount options) and the ociVersion range berth-runtime accepts.
#include <cctype>

#include "spec/runtime_spec.h"

namespace berth::spec {
namespace {

// A semver numeric identifier: digits, no leading zero unless it is "0".
bool ConsumeNumber(std::string_view& s, uint64_t* out) {
  size_t n = 0;
  while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) ++n;
  if (n == 0 || n > 9 || (n > 1 && s[0] == '0')) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 10 + static_cast<uint64_t>(s[i] - '0');
  *out = v;
  s.remove_prefix(n);
  return true;
}

bool ConsumeChar(std::string_view& s, char c) {
  if (s.empty() || s[0] != c) return false;
  s.remove_prefix(1);
  return true;
}

// Dot-separated, non-empty identifiers of [0-9A-Za-z-], as semver's
// pre-release and build metadata are.
bool IsDottedIdentifiers(std::string_view s) {
  if (s.empty()) return false;
  size_t run = 0;
  for (char c : s) {
    if (c == '.') {
      if (run == 0) return false;
      run = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
      ++run;
    } else {
      return false;
    }
  }
  return run > 0;
}

}  // namespace

// 1.0.0 to 1.2.x, with any pre-release ("1.0.2-dev", "1.2.0-rc.1") or build
// suffix: runc and the engines that drive it write such versions, and a
// pre-release of a supported minor version has that version's fields.
bool IsSupportedOciVersion(std::string_view version) {
  std::string_view s = version;
  uint64_t major = 0, minor = 0, patch = 0;
  if (!ConsumeNumber(s, &major) || !ConsumeChar(s, '.') || !ConsumeNumber(s, &minor) ||
      !ConsumeChar(s, '.') || !ConsumeNumber(s, &patch)) {
    return false;
  }
  if (major != 1 || minor > 2) return false;
  if (ConsumeChar(s, '-')) {
    size_t plus = s.find('+');
    if (!IsDottedIdentifiers(s.substr(0, plus))) return false;
    s = plus == std::string_view::npos ? std::string_view() : s.substr(plus);
  }
  if (ConsumeChar(s, '+')) return IsDottedIdentifiers(s);
  return s.empty();
}

const std::vector<std::string>& KnownNamespaceTypes() {
  static const std::vector<std::string> kTypes = {"pid", "network", "mount",  "ipc",
                                                  "uts", "user",    "cgroup", "time"};
  return kTypes;
}

// Index = the kernel's capability number (linux/capability.h).
const std::vector<std::string>& KnownCapabilities() {
  static const std::vector<std::string> kCaps = {
      "CAP_CHOWN",               // 0
      "CAP_DAC_OVERRIDE",        // 1
      "CAP_DAC_READ_SEARCH",     // 2
      "CAP_FOWNER",              // 3
      "CAP_FSETID",              // 4
      "CAP_KILL",                // 5
      "CAP_SETGID",              // 6
      "CAP_SETUID",              // 7
      "CAP_SETPCAP",             // 8
      "CAP_LINUX_IMMUTABLE",     // 9
      "CAP_NET_BIND_SERVICE",    // 10
      "CAP_NET_BROADCAST",       // 11
      "CAP_NET_ADMIN",           // 12
      "CAP_NET_RAW",             // 13
      "CAP_IPC_LOCK",            // 14
      "CAP_IPC_OWNER",           // 15
      "CAP_SYS_MODULE",          // 16
      "CAP_SYS_RAWIO",           // 17
      "CAP_SYS_CHROOT",          // 18
      "CAP_SYS_PTRACE",          // 19
      "CAP_SYS_PACCT",           // 20
      "CAP_SYS_ADMIN",           // 21
      "CAP_SYS_BOOT",            // 22
      "CAP_SYS_NICE",            // 23
      "CAP_SYS_RESOURCE",        // 24
      "CAP_SYS_TIME",            // 25
      "CAP_SYS_TTY_CONFIG",      // 26
      "CAP_MKNOD",               // 27
      "CAP_LEASE",               // 28
      "CAP_AUDIT_WRITE",         // 29
      "CAP_AUDIT_CONTROL",       // 30
      "CAP_SETFCAP",             // 31
      "CAP_MAC_OVERRIDE",        // 32
      "CAP_MAC_ADMIN",           // 33
      "CAP_SYSLOG",              // 34
      "CAP_WAKE_ALARM",          // 35
      "CAP_BLOCK_SUSPEND",       // 36
      "CAP_AUDIT_READ",          // 37
      "CAP_PERFMON",             // 38
      "CAP_BPF",                 // 39
      "CAP_CHECKPOINT_RESTORE",  // 40
  };
  return kCaps;
}

// Index = the kernel's resource number (asm-generic/resource.h).
const std::vector<std::string>& KnownRlimits() {
  static const std::vector<std::string> kRlimits = {
      "RLIMIT_CPU",      "RLIMIT_FSIZE", "RLIMIT_DATA",   "RLIMIT_STACK",
      "RLIMIT_CORE",     "RLIMIT_RSS",   "RLIMIT_NPROC",  "RLIMIT_NOFILE",
      "RLIMIT_MEMLOCK",  "RLIMIT_AS",    "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING",
      "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
  };
  return kRlimits;
}

// The flag options runc 1.1 understands; anything else in a mount's options
// is filesystem data ("mode=755", "size=64k") passed to the kernel as is.
const std::vector<std::string>& KnownMountOptions() {
  static const std::vector<std::string> kOptions = {
      // mount(2) flags and their negations
      "defaults", "ro", "rw", "suid", "nosuid", "dev", "nodev", "exec", "noexec", "sync", "async",
      "dirsync", "remount", "mand", "nomand", "atime", "noatime", "diratime", "nodiratime", "bind",
      "rbind", "relatime", "norelatime", "strictatime", "nostrictatime", "lazytime", "nolazytime",
      "silent", "loud", "iversion", "noiversion",
      // propagation
      "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable",
      // recursive attributes (mount_setattr with AT_RECURSIVE)
      "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec", "rnodiratime",
      "rdiratime", "rrelatime", "rnorelatime", "rnoatime", "ratime", "rstrictatime",
      "rnostrictatime",
      // id-mapped mounts and the tmpfs copy-up extension
      "idmap", "ridmap", "tmpcopyup"};
  return kOptions;
}

}  // namespace berth::spec
