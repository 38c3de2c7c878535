#include "runtime/process_setup.h"

#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "sys/syscalls.h"

namespace berth::runtime {
namespace {

// sched_setattr(2) has no glibc wrapper and no header struct in bookworm.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

}  // namespace

int ApplyRlimits(const InitPlan& p, char* err, size_t n) {
  for (const auto& [res, lim] : p.rlimits) {
    rlimit r{lim.first, lim.second};
    if (::setrlimit(res, &r) != 0) {
      rlimit cur{};
      ::getrlimit(res, &cur);
      if (errno == EPERM && lim.second > cur.rlim_max)
        std::snprintf(err, n,
                      "process.rlimits: resource %d: hard limit %llu is above this host's %llu "
                      "and cannot be raised here",
                      res, static_cast<unsigned long long>(lim.second),
                      static_cast<unsigned long long>(cur.rlim_max));
      else
        std::snprintf(err, n, "process.rlimits: set resource %d", res);
      return -1;
    }
  }
  return 0;
}

int ApplyUserAndCaps(const InitPlan& p, char* err, size_t n) {
  if (p.has_caps) {
    for (int cap = 0; cap <= p.last_cap; ++cap) {
      if (p.caps.bounding & (1ULL << cap)) continue;
      if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
        std::snprintf(err, n, "drop capability %d from the bounding set", cap);
        return -1;
      }
    }
  }
  // Keep the permitted set across the uid change; capset below decides it.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
    std::snprintf(err, n, "prctl keepcaps");
    return -1;
  }
  if (::setgroups(p.additional_gids.size(), p.additional_gids.data()) != 0 &&
      !(errno == EPERM && p.additional_gids.empty())) {
    std::snprintf(err, n, "setgroups");
    return -1;
  }
  if (::setresgid(p.gid, p.gid, p.gid) != 0) {
    std::snprintf(err, n, "setgid %u", p.gid);
    return -1;
  }
  if (::setresuid(p.uid, p.uid, p.uid) != 0) {
    std::snprintf(err, n, "setuid %u", p.uid);
    return -1;
  }
  if (!p.has_caps) return 0;
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; ++i) {
    data[i].effective = static_cast<uint32_t>(p.caps.effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(p.caps.permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(p.caps.inheritable >> (32 * i));
  }
  if (sys::Capset(&hdr, data) != 0) {
    std::snprintf(err, n, "capset");
    return -1;
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    std::snprintf(err, n, "clear ambient capabilities");
    return -1;
  }
  for (int cap = 0; cap <= p.last_cap; ++cap) {
    if (!(p.caps.ambient & (1ULL << cap))) continue;
    // The kernel refuses an ambient cap that is not permitted and
    // inheritable; runc ignores those, and so do we.
    (void)::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
  }
  return 0;
}

int ApplySchedAndPersonality(const InitPlan& p, char* err, size_t n) {
  if (p.has_personality && ::personality(p.personality) < 0) {
    std::snprintf(err, n, "linux.personality: set domain");
    return -1;
  }
  if (p.has_scheduler) {
    SchedAttr a{};
    a.size = sizeof a;
    a.sched_policy = static_cast<uint32_t>(p.sched_policy);
    a.sched_flags = p.sched_flags;
    a.sched_nice = p.sched_nice;
    a.sched_priority = static_cast<uint32_t>(p.sched_priority);
    a.sched_runtime = p.sched_runtime;
    a.sched_deadline = p.sched_deadline;
    a.sched_period = p.sched_period;
    if (::syscall(SYS_sched_setattr, 0, &a, 0) != 0) {
      std::snprintf(err, n, "process.scheduler: sched_setattr");
      return -1;
    }
  }
  if (p.has_ioprio && sys::IoprioSet(1 /* IOPRIO_WHO_PROCESS */, 0, p.ioprio) != 0) {
    std::snprintf(err, n, "process.ioPriority: ioprio_set");
    return -1;
  }
  return 0;
}

int ResolveExecutable(const InitPlan& p, char* out, size_t out_len, char* err, size_t n) {
  const char* name = p.argv[0];
  struct stat st;
  if (std::strchr(name, '/') != nullptr) {
    if (::stat(name, &st) != 0) {
      if (errno != ENOENT) {
        std::snprintf(err, n, "exec: \"%s\": stat", name);
        return -1;
      }
      errno = 0;  // the text says it all
      std::snprintf(err, n, "exec: \"%s\": executable file not found", name);
      return -1;
    }
    // A directory or a file without execute bits: runc's words, which
    // engines map to exit 126.
    if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) {
      errno = 0;
      std::snprintf(err, n, "exec: \"%s\": permission denied", name);
      return -1;
    }
    std::snprintf(out, out_len, "%s", name);
    return 0;
  }
  const char* path = p.path_env.empty()
                         ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
                         : p.path_env.c_str();
  while (*path) {
    const char* end = std::strchr(path, ':');
    size_t len = end ? static_cast<size_t>(end - path) : std::strlen(path);
    if (len > 0 && len + std::strlen(name) + 2 <= out_len) {
      std::snprintf(out, out_len, "%.*s/%s", static_cast<int>(len), path, name);
      if (::stat(out, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) return 0;
    }
    if (!end) break;
    path = end + 1;
  }
  errno = 0;  // the text says it all
  std::snprintf(err, n, "exec: \"%s\": executable file not found in $PATH", name);
  return -1;
}

}  // namespace berth::runtime
