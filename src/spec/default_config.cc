// The config.json that `berth-runtime spec [--rootless]` writes.
//
// It is, value for value, what runc 1.1 writes for `runc spec` and `runc spec
// --rootless` (ociVersion "1.0.2-dev" included), so that scripts and
// tutorials written against runc see the same bundle from berth-runtime:
// drop-in compatibility. This is data built here, not code taken from runc.
#include <unistd.h>

#include "spec/runtime_spec.h"

namespace berth::spec {
namespace {

using nlohmann::json;

json MountEntry(const char* destination, const char* type, const char* source,
                std::vector<std::string> options) {
  json m = {{"destination", destination}, {"type", type}, {"source", source}};
  if (!options.empty()) m["options"] = std::move(options);
  return m;
}

json Namespaces(std::initializer_list<const char*> types) {
  json out = json::array();
  for (const char* type : types) out.push_back({{"type", type}});
  return out;
}

}  // namespace

json DefaultConfig(bool rootless) {
  return DefaultConfig(rootless, static_cast<uint32_t>(geteuid()),
                       static_cast<uint32_t>(getegid()));
}

json DefaultConfig(bool rootless, uint32_t host_uid, uint32_t host_gid) {
  // Three capabilities, every set but inheritable: what a shell needs to be
  // useful while staying unprivileged.
  const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  json process = {
      {"terminal", true},
      {"user", {{"uid", 0}, {"gid", 0}}},
      {"args", {"sh"}},
      {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
      {"cwd", "/"},
      {"capabilities",
       {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
      {"rlimits", json::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
      {"noNewPrivileges", true},
  };

  // Rootless: an unprivileged user cannot choose the tty group (gid=5 is not
  // mapped) nor mount a fresh sysfs without a network namespace it owns, so
  // /sys is bind-mounted from the host instead.
  std::vector<std::string> devpts_options = {"nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                             "mode=0620"};
  if (!rootless) devpts_options.push_back("gid=5");
  json mounts = json::array({
      MountEntry("/proc", "proc", "proc", {}),
      MountEntry("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      MountEntry("/dev/pts", "devpts", "devpts", devpts_options),
      MountEntry("/dev/shm", "tmpfs", "shm",
                 {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
      MountEntry("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      rootless ? MountEntry("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"})
               : MountEntry("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      MountEntry("/sys/fs/cgroup", "cgroup", "cgroup",
                 {"nosuid", "noexec", "nodev", "relatime", "ro"}),
  });

  json linux = {
      {"maskedPaths",
       {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
        "/proc/scsi"}},
      {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}},
  };
  if (rootless) {
    // A user namespace mapping only the caller; no network namespace (a
    // rootless container has nothing to configure one with) and no device
    // cgroup rules (it cannot write them).
    linux["uidMappings"] = json::array({{{"containerID", 0}, {"hostID", host_uid}, {"size", 1}}});
    linux["gidMappings"] = json::array({{{"containerID", 0}, {"hostID", host_gid}, {"size", 1}}});
    linux["namespaces"] = Namespaces({"pid", "ipc", "uts", "mount", "user"});
  } else {
    linux["resources"] = {{"devices", json::array({{{"allow", false}, {"access", "rwm"}}})}};
    linux["namespaces"] = Namespaces({"pid", "network", "ipc", "uts", "mount"});
  }

  return {
      {"ociVersion", "1.0.2-dev"},
      {"process", std::move(process)},
      {"root", {{"path", "rootfs"}, {"readonly", true}}},
      {"hostname", "runc"},
      {"mounts", std::move(mounts)},
      {"linux", std::move(linux)},
  };
}

}  // namespace berth::spec
