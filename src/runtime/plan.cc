#include "runtime/plan.h"

#include "runtime/cgroup/devices_v2.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/fs.h"
#include "base/log.h"
#include "runtime/cgroup/resources.h"
#include "runtime/hooks.h"
#include "runtime/mounts.h"

namespace berth::runtime {
namespace {

// CLONE_NEWTIME is missing from bookworm's <sched.h>.
constexpr int kCloneNewTime = 0x00000080;

int LastCap() {
  auto text = ReadFile("/proc/sys/kernel/cap_last_cap");
  if (!text) return 40;
  return std::atoi(text->c_str());
}

Result<uint64_t> CapMask(const std::vector<std::string>& names, int last_cap, const char* set) {
  const auto& known = spec::KnownCapabilities();
  uint64_t mask = 0;
  for (const auto& n : names) {
    auto it = std::find(known.begin(), known.end(), n);
    if (it == known.end()) return Fail("process.capabilities.{}: unknown capability {:?}", set, n);
    int bit = static_cast<int>(it - known.begin());
    if (bit > last_cap) {
      log::Warn("process.capabilities.{}: {} is not known to this kernel, ignored", set, n);
      continue;
    }
    mask |= 1ULL << bit;
  }
  return mask;
}

Result<int> SchedPolicy(const std::string& p) {
  static const std::pair<const char*, int> kPolicies[] = {
      {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
      {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6},
  };
  for (auto [name, v] : kPolicies)
    if (p == name) return v;
  return Fail("process.scheduler.policy: unknown policy {:?}", p);
}

Result<uint64_t> SchedFlags(const std::vector<std::string>& flags) {
  static const std::pair<const char*, uint64_t> kFlags[] = {
      {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
      {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
      {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
      {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
  };
  uint64_t out = 0;
  for (const auto& f : flags) {
    bool found = false;
    for (auto [name, v] : kFlags)
      if (f == name) out |= v, found = true;
    if (!found) return Fail("process.scheduler.flags: unknown flag {:?}", f);
  }
  return out;
}

Result<unsigned long> Propagation(const std::string& p) {
  if (p.empty()) return 0UL;
  static const std::pair<const char*, unsigned long> kProps[] = {
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  for (auto [name, v] : kProps)
    if (p == name) return v;
  return Fail("linux.rootfsPropagation: unknown value {:?}", p);
}

// A connected console socket: the pty master is sent over it.
Result<UniqueFd> ConnectConsole(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return FailErrno("console socket {}", path);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return Fail("console socket {}: path too long", path);
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return FailErrno("console socket {}: connect", path);
  return fd;
}

void AddDevice(InitPlan& p, const std::string& path, mode_t type, int major, int minor, mode_t perm,
               uid_t uid, gid_t gid) {
  for (auto& d : p.devices)
    if (d.path == path) return;  // the config's own entry wins
  DeviceStep d;
  d.path = path;
  d.mode = type | perm;
  d.rdev = makedev(major, minor);
  d.uid = uid;
  d.gid = gid;
  d.host_path = path;
  p.devices.push_back(std::move(d));
}

}  // namespace

Result<int> NamespaceFlag(const std::string& type) {
  static const std::pair<const char*, int> kTypes[] = {
      {"pid", CLONE_NEWPID},       {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
      {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},     {"user", CLONE_NEWUSER},
      {"cgroup", CLONE_NEWCGROUP}, {"time", kCloneNewTime},
  };
  for (auto [name, flag] : kTypes)
    if (type == name) return flag;
  return Fail("linux.namespaces: unknown namespace type {:?}", type);
}

Result<std::string> SysctlPath(const std::string& key, int ns) {
  // Only sysctls that belong to a namespace of the container's own may be
  // set: anything else would change the host.
  auto in = [&](const char* prefix) { return key.rfind(prefix, 0) == 0; };
  bool ok = false;
  if (in("net."))
    ok = ns & CLONE_NEWNET;
  else if (in("kernel.msg") || in("kernel.sem") || in("kernel.shm") || in("fs.mqueue."))
    ok = ns & CLONE_NEWIPC;
  else if (key == "kernel.hostname" || key == "kernel.domainname")
    ok = ns & CLONE_NEWUTS;
  else
    return Fail("linux.sysctl: {:?} is not namespaced and cannot be set for a container", key);
  if (!ok) return Fail("linux.sysctl: {:?} needs the container's own namespace for it", key);
  if (key.find("..") != std::string::npos || key.find('/') != std::string::npos)
    return Fail("linux.sysctl: invalid key {:?}", key);
  std::string path = "sys/" + key;
  std::replace(path.begin(), path.end(), '.', '/');
  return path;
}

Status CheckSupported(const spec::Config& cfg) {
  if (!cfg.linux) return Ok();
  const auto& l = *cfg.linux;
  TRY(cgroup::ValidateResources(l.resources_other));
  // The same rules become devices.allow lines (v1) or an eBPF program (v2);
  // compiling the program checks types and access letters for both.
  TRY(cgroup::CompileDeviceProgram(l.device_rules));
  if (!l.intel_rdt.is_null()) return Fail("linux.intelRdt: not supported");
  if (cfg.process && !cfg.process->apparmor_profile.empty())
    return Fail("process.apparmorProfile: AppArmor is not enabled on this host");
  return Ok();
}

std::vector<MountStep> ExpandCgroupMount(const MountStep& m, const cgroup::Layout& layout,
                                         const cgroup::Placement& cg, bool cgroupns) {
  std::vector<MountStep> out;
  auto sub = [&](const std::string& dest, size_t i, const cgroup::Hierarchy& h) {
    MountStep s = m;
    s.dest = dest;
    s.fs_options.clear();
    s.data.clear();
    if (!cgroupns && i < cg.dirs.size()) {
      s.bind = true;
      s.recursive_bind = false;
      s.source = cg.dirs[i];
      s.fstype.clear();
    } else {
      s.bind = false;
      s.fstype = h.v2 ? "cgroup2" : "cgroup";
      s.source = "cgroup";
      for (const auto& c : h.controllers) {
        if (c.rfind("name=", 0) == 0) {
          s.fs_options.emplace_back("none", "");
          s.fs_options.emplace_back("name", c.substr(5));
        } else {
          s.fs_options.emplace_back(c, "");
        }
      }
    }
    return s;
  };
  if (layout.mode == cgroup::Mode::kV2) {
    for (size_t i = 0; i < layout.hierarchies.size(); ++i)
      if (layout.hierarchies[i].v2) out.push_back(sub(m.dest, i, layout.hierarchies[i]));
    return out;
  }
  // v1 and hybrid: a tmpfs holding one directory per hierarchy, read-only
  // (if asked) only once the hierarchies are mounted in it.
  MountStep tmpfs = m;
  tmpfs.fstype = "tmpfs";
  tmpfs.source = "tmpfs";
  tmpfs.fs_options = {{"mode", "755"}};
  tmpfs.data = "mode=755";
  tmpfs.attr_set &= ~static_cast<uint64_t>(MOUNT_ATTR_RDONLY);
  out.push_back(tmpfs);
  for (size_t i = 0; i < layout.hierarchies.size(); ++i) {
    const auto& h = layout.hierarchies[i];
    std::string name = h.mount_point.substr(h.mount_point.rfind('/') + 1);
    out.push_back(sub(m.dest + "/" + name, i, h));
    // Co-mounted controllers ("cpu,cpuacct") get a link per controller.
    if (name.find(',') != std::string::npos)
      for (const auto& c : h.controllers) {
        MountStep link;
        link.dest = m.dest + "/" + c;
        link.symlink_target = name;
        out.push_back(link);
      }
  }
  if (m.attr_set & MOUNT_ATTR_RDONLY) {
    MountStep ro;
    ro.dest = m.dest;
    ro.setattr_only = true;
    ro.attr_set = MOUNT_ATTR_RDONLY;
    out.push_back(ro);
  }
  return out;
}

Result<std::unique_ptr<PlannedInit>> BuildPlan(const spec::Config& cfg, const CreateOptions& o,
                                               const std::string& bundle,
                                               const cgroup::Layout* layout,
                                               const cgroup::Placement* cg) {
  auto out = std::make_unique<PlannedInit>();
  InitPlan& p = out->plan;
  p.id = o.id;
  spec::Linux empty_linux;
  const spec::Linux& l = cfg.linux ? *cfg.linux : empty_linux;

  // The root filesystem.
  p.rootfs = JoinPath(bundle, cfg.root.path);
  struct stat st;
  if (::stat(p.rootfs.c_str(), &st) != 0) return FailErrno("root.path {}", p.rootfs);
  if (!S_ISDIR(st.st_mode)) return FailCode(ENOTDIR, "root.path {}", p.rootfs);
  p.rootfs_readonly = cfg.root.readonly;
  p.no_pivot = o.no_pivot;
  p.rootfs_propagation = TRY(Propagation(l.rootfs_propagation));

  // Namespaces: new ones are unshared by stage 1; joined ones are opened
  // here and checked to be what the config says they are.
  bool has_mount_ns = false, own_uts = false;
  for (size_t i = 0; i < l.namespaces.size(); ++i) {
    const auto& ns = l.namespaces[i];
    int flag = TRY(NamespaceFlag(ns.type));
    if (flag == CLONE_NEWNS) has_mount_ns = true;
    if (ns.path.empty()) {
      p.clone_flags |= flag;
      if (flag == CLONE_NEWUSER) p.new_userns = true;
      if (flag == kCloneNewTime) p.new_timens = true;
      if (flag == CLONE_NEWUTS) own_uts = true;
      continue;
    }
    if (flag == CLONE_NEWUTS) own_uts = true;
    UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return FailErrno("linux.namespaces[{}].path {}", i, ns.path);
    int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
    if (type < 0) return FailErrno("linux.namespaces[{}].path {}: not a namespace", i, ns.path);
    if (type != flag)
      return Fail("linux.namespaces[{}].path {}: is not a {} namespace", i, ns.path, ns.type);
    p.joins.push_back({flag, ns.path, fd.get()});
    out->owned_fds.push_back(std::move(fd));
  }
  // Without a mount namespace of its own, the container gets no mounts of
  // its own either: only a chroot into the rootfs (as runc does).
  p.no_mount_ns = !has_mount_ns;
  if (p.no_mount_ns && cfg.root.readonly) return Fail("root.readonly: needs a mount namespace");
  if (!cfg.hostname.empty()) {
    if (!own_uts) return Fail("hostname: needs a uts namespace of the container's own");
    p.hostname = cfg.hostname;
    p.set_hostname = true;
  }
  if (!cfg.domainname.empty()) {
    if (!own_uts) return Fail("domainname: needs a uts namespace of the container's own");
    p.domainname = cfg.domainname;
    p.set_domainname = true;
  }
  // In a user namespace, new or joined (userns-remap shares one between
  // containers that share a pid or net namespace), mknod is refused.
  p.bind_devices = p.new_userns || std::any_of(p.joins.begin(), p.joins.end(), [](const auto& j) {
                     return j.nstype == CLONE_NEWUSER;
                   });
  for (const auto& [clock, off] : l.time_offsets)
    p.timens_offsets += fmt::format("{} {} {}\n", clock, off.secs, off.nanosecs);

  // Mounts, in config order.
  for (const auto& m : cfg.mounts) {
    auto step = TRY(PlanMount(m, bundle));
    if (step.idmap) {
      // Without mappings of its own, the mount maps as the container does.
      if (step.idmap_uids.empty()) step.idmap_uids = l.uid_mappings;
      if (step.idmap_gids.empty()) step.idmap_gids = l.gid_mappings;
      if (step.idmap_uids.empty() || step.idmap_gids.empty())
        return Fail(
            "mounts[{}]: an idmapped mount needs uidMappings and gidMappings, on the mount or in "
            "linux",
            m.destination);
    }
    if (step.fstype != "cgroup") {
      p.mounts.push_back(std::move(step));
      continue;
    }
    if (!layout || !cg) continue;  // no cgroup of its own (rootless): nothing to show
    for (auto& s : ExpandCgroupMount(step, *layout, *cg, p.clone_flags & CLONE_NEWCGROUP))
      p.mounts.push_back(std::move(s));
  }

  // Devices: the config's, then the defaults every container gets.
  for (const auto& d : l.devices) {
    mode_t type = d.type == "b" ? S_IFBLK : d.type == "p" ? S_IFIFO : S_IFCHR;
    DeviceStep s;
    s.path = CleanPath(d.path);
    s.mode = type | (d.file_mode.value_or(0666) & 07777);
    s.rdev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
    s.uid = d.uid.value_or(0);
    s.gid = d.gid.value_or(0);
    s.host_path = s.path;
    p.devices.push_back(std::move(s));
  }
  AddDevice(p, "/dev/null", S_IFCHR, 1, 3, 0666, 0, 0);
  AddDevice(p, "/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0);
  AddDevice(p, "/dev/full", S_IFCHR, 1, 7, 0666, 0, 0);
  AddDevice(p, "/dev/random", S_IFCHR, 1, 8, 0666, 0, 0);
  AddDevice(p, "/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0);
  AddDevice(p, "/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0);
  p.dev_symlinks = {{"/proc/self/fd", "/dev/fd"},
                    {"/proc/self/fd/0", "/dev/stdin"},
                    {"/proc/self/fd/1", "/dev/stdout"},
                    {"/proc/self/fd/2", "/dev/stderr"},
                    {"pts/ptmx", "/dev/ptmx"}};
  for (const auto& mp : l.masked_paths) p.masked_paths.push_back(mp);
  for (const auto& rp : l.readonly_paths) p.readonly_paths.push_back(rp);
  for (const auto& [k, v] : l.sysctl) p.sysctls.emplace_back(TRY(SysctlPath(k, p.clone_flags)), v);

  // The process.
  if (cfg.process) {
    const auto& pr = *cfg.process;
    p.has_process = true;
    out->args_storage = pr.args;
    out->env_storage = pr.env;
    for (auto& a : out->args_storage) p.argv.push_back(a.data());
    p.argv.push_back(nullptr);
    for (auto& e : out->env_storage) {
      p.envp.push_back(e.data());
      if (e.rfind("PATH=", 0) == 0) p.path_env = e.substr(5);
    }
    p.envp.push_back(nullptr);
    p.cwd = pr.cwd;
    p.uid = pr.user.uid;
    p.gid = pr.user.gid;
    p.additional_gids.assign(pr.user.additional_gids.begin(), pr.user.additional_gids.end());
    if (pr.user.umask) p.umask = static_cast<int>(*pr.user.umask);
    p.last_cap = LastCap();
    if (pr.capabilities) {
      const auto& c = *pr.capabilities;
      p.has_caps = true;
      p.caps.bounding = TRY(CapMask(c.bounding, p.last_cap, "bounding"));
      p.caps.effective = TRY(CapMask(c.effective, p.last_cap, "effective"));
      p.caps.permitted = TRY(CapMask(c.permitted, p.last_cap, "permitted"));
      p.caps.inheritable = TRY(CapMask(c.inheritable, p.last_cap, "inheritable"));
      p.caps.ambient = TRY(CapMask(c.ambient, p.last_cap, "ambient"));
      // A capability outside the runtime's own bounding set can be granted
      // to no process it starts (capset fails with EPERM); say which.
      uint64_t wanted = p.caps.effective | p.caps.permitted | p.caps.inheritable | p.caps.ambient;
      std::string missing;
      const auto& known = spec::KnownCapabilities();
      for (int bit = 0; bit <= p.last_cap && bit < static_cast<int>(known.size()); ++bit)
        if ((wanted >> bit & 1) && ::prctl(PR_CAPBSET_READ, bit, 0, 0, 0) == 0)
          missing += (missing.empty() ? "" : ", ") + known[static_cast<size_t>(bit)];
      if (!missing.empty())
        return Fail(
            "process.capabilities: {} not in this host's bounding set, so berth-runtime cannot "
            "grant it",
            missing);
      // The kernel's rule (capset(2)): effective within permitted. (Ambient
      // caps outside permitted and inheritable are not raised, as in runc,
      // whose default spec lists ambient caps without inheritable ones.)
      auto names = [&](uint64_t mask) {
        std::string out;
        for (int bit = 0; bit < 64 && bit < static_cast<int>(known.size()); ++bit)
          if (mask >> bit & 1) out += (out.empty() ? "" : ", ") + known[static_cast<size_t>(bit)];
        return out;
      };
      if (uint64_t extra = p.caps.effective & ~p.caps.permitted)
        return Fail("process.capabilities.effective: {} must also be in permitted", names(extra));
    }
    p.no_new_privileges = pr.no_new_privileges;
    const auto& known = spec::KnownRlimits();
    for (const auto& r : pr.rlimits) {
      auto it = std::find(known.begin(), known.end(), r.type);
      if (it == known.end()) return Fail("process.rlimits: unknown type {:?}", r.type);
      p.rlimits.push_back({static_cast<int>(it - known.begin()), {r.soft, r.hard}});
    }
    if (pr.oom_score_adj) {
      p.has_oom_score_adj = true;
      p.oom_score_adj = *pr.oom_score_adj;
    }
    if (pr.scheduler) {
      const auto& s = *pr.scheduler;
      p.has_scheduler = true;
      p.sched_policy = TRY(SchedPolicy(s.policy));
      p.sched_priority = s.priority;
      p.sched_nice = s.nice;
      p.sched_flags = TRY(SchedFlags(s.flags));
      p.sched_runtime = s.runtime;
      p.sched_deadline = s.deadline;
      p.sched_period = s.period;
    }
    if (pr.io_priority) {
      int cls = pr.io_priority->io_class == "IOPRIO_CLASS_RT"   ? 1
                : pr.io_priority->io_class == "IOPRIO_CLASS_BE" ? 2
                                                                : 3;
      p.has_ioprio = true;
      p.ioprio = (cls << 13) | pr.io_priority->priority;
    }
    p.terminal = pr.terminal;
    if (pr.console_size) {
      p.console_rows = static_cast<unsigned short>(pr.console_size->height);
      p.console_cols = static_cast<unsigned short>(pr.console_size->width);
    }
    if (p.terminal) {
      if (o.console_fd >= 0) {
        p.console_socket_fd = o.console_fd;
      } else if (o.console_socket.empty()) {
        return Fail("process.terminal is true: --console-socket is required");
      } else {
        auto fd = TRY(ConnectConsole(o.console_socket));
        p.console_socket_fd = fd.get();
        out->owned_fds.push_back(std::move(fd));
      }
    }
  }
  if (l.personality) {
    p.has_personality = true;
    p.personality = l.personality->domain == "LINUX32" ? PER_LINUX32 : PER_LINUX;
  }
  p.preserve_fds = o.preserve_fds;
  p.new_keyring = !o.no_new_keyring;
  p.seccomp = TRY(CompileSeccomp(l.seccomp));

  p.create_container_hooks = PlanHooks(cfg.hooks.create_container);
  p.start_container_hooks = PlanHooks(cfg.hooks.start_container);
  return out;
}

}  // namespace berth::runtime
