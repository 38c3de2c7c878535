// create: from a bundle to a container whose init waits before exec.
//
// The steps, in order: read the config; reserve the container's record dir;
// plan the init; place a cgroup; fork stage 1, which makes the namespaces
// and forks the init; answer the init's requests (id maps, hooks); record
// the state. Any failure undoes every step taken so far.
#include <fcntl.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/clock.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/passwd.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/delegation.h"
#include "runtime/cgroup/devices_v1.h"
#include "runtime/cgroup/devices_v2.h"
#include "runtime/cgroup/resources.h"
#include "runtime/hooks.h"
#include "runtime/idmap_mount.h"
#include "runtime/init.h"
#include "runtime/lifecycle_internal.h"
#include "runtime/plan.h"
#include "runtime/runtime.h"
#include "runtime/seccomp_notify.h"
#include "runtime/sync.h"
#include "sys/syscalls.h"

namespace berth::runtime {
namespace {

Status WriteIdMaps(pid_t pid, const spec::Linux& l) {
  std::string base = "/proc/" + std::to_string(pid);
  // Unprivileged callers may only map gids once setgroups is denied.
  if (::geteuid() != 0) TRY(WriteExisting(base + "/setgroups", "deny"));
  TRY_CTX(WriteExisting(base + "/uid_map", IdMapText(l.uid_mappings)), "linux.uidMappings");
  TRY_CTX(WriteExisting(base + "/gid_map", IdMapText(l.gid_mappings)), "linux.gidMappings");
  return Ok();
}

std::string OwnerName() { return UserNameOrId(::geteuid()); }

// Everything create has made so far, undone in reverse unless committed.
struct Undo {
  std::string dir;
  cgroup::Placement cg;
  bool has_cg = false;
  pid_t stage1 = -1;
  pid_t init = -1;
  bool committed = false;
  ~Undo() {
    if (committed) return;
    if (init > 0) KillAndWait(init);
    if (stage1 > 0) {
      ::kill(stage1, SIGKILL);
      ::waitpid(stage1, nullptr, 0);
    }
    if (has_cg) (void)cgroup::Remove(cg);
    if (!dir.empty()) (void)RemoveAll(dir);
  }
};

}  // namespace

Result<int> Create(const RuntimeOptions& ro, const CreateOptions& o) {
  if (ro.systemd_cgroup)
    return Fail(
        "--systemd-cgroup: systemd is not running on this host (no PID 1 systemd, no D-Bus)");
  auto dir = TRY(ContainerDir(ro.root, o.id));

  // 1. The bundle's config, validated, and what of it we cannot do refused.
  std::string bundle = o.bundle.empty() ? "." : o.bundle;
  char real[PATH_MAX];
  if (::realpath(bundle.c_str(), real) == nullptr) return FailErrno("bundle {}", bundle);
  bundle = real;
  auto text = TRY_CTX(ReadFile(bundle + "/config.json"), "bundle {}", bundle);
  spec::Config cfg = TRY(spec::ParseConfig(text));  // its errors name config.json
  auto layout = cgroup::DetectLayout();
  TRY_CTX(CheckSupported(cfg), "config.json");

  // 2. The record dir: its creation is what makes the id ours.
  TRY(MkdirAll(ro.root, 0700));
  if (::mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) return FailAs(EEXIST, "container {} already exists", o.id);
    return FailErrno("create {}", dir);
  }
  Undo undo;
  undo.dir = dir;

  // 3. Where the cgroup goes (skipped when we may not write cgroups, e.g.
  // rootless), and the init's plan: every path, flag and string it needs.
  const spec::Linux empty_linux;
  const spec::Linux& l = cfg.linux ? *cfg.linux : empty_linux;
  bool use_cgroup = layout.has_value();
  if (use_cgroup) {
    auto self = TRY(ReadFile("/proc/self/cgroup"));
    std::string path = l.cgroups_path.empty() ? o.id : l.cgroups_path;
    undo.cg = TRY_CTX(cgroup::PlanPlacement(*layout, path, self), "linux.cgroupsPath");
  }
  // Rootless: a cgroup only where one is delegated to us. Without one the
  // container runs in ours, which is fine unless it asks for limits.
  if (use_cgroup && ::geteuid() != 0) {
    std::string denied = cgroup::FirstUndelegatedDir(undo.cg);
    if (!denied.empty()) {
      bool limits =
          (l.resources_other.is_object() && !l.resources_other.empty()) || !l.device_rules.empty();
      if (limits)
        return FailAs(EPERM,
                      "linux.resources: rootless (uid {}) and no cgroup is delegated here ({} is "
                      "not writable), so limits cannot be applied",
                      ::geteuid(), denied);
      log::Info(
          "rootless (uid {}): no cgroup is delegated here ({} is not writable); the "
          "container shares the caller's cgroup",
          ::geteuid(), denied);
      use_cgroup = false;
    } else {
      log::Debug("rootless (uid {}): using the delegated cgroup {}", ::geteuid(),
                 undo.cg.dirs.empty() ? std::string() : undo.cg.dirs.front());
    }
  }
  auto planned = TRY_CTX(
      BuildPlan(cfg, o, bundle, use_cgroup ? &*layout : nullptr, use_cgroup ? &undo.cg : nullptr),
      "config.json");
  InitPlan& plan = planned->plan;

  // 4. The cgroup.
  if (use_cgroup) {
    TRY(cgroup::Create(undo.cg));
    undo.has_cg = true;
    TRY(cgroup::ApplyResources(cgroup::ResourceDirsOf(undo.cg, *layout), l.resources_other));
    if (!l.device_rules.empty() && !undo.cg.devices_dir.empty()) {
      TRY(cgroup::ApplyDeviceRulesV1(undo.cg.devices_dir, l.device_rules));
      TRY(cgroup::ApplyDeviceRulesV1(undo.cg.devices_dir, cgroup::DefaultDeviceRules()));
    } else if (!l.device_rules.empty() && undo.cg.mode == cgroup::Mode::kV2 && ::geteuid() == 0) {
      // Rootless callers cannot load BPF programs; like runc they go without.
      auto rules = l.device_rules;
      for (auto& r : cgroup::DefaultDeviceRules()) rules.push_back(std::move(r));
      TRY(cgroup::ApplyDeviceRulesV2(undo.cg.dirs.front(), rules));
    }
  }

  // 5. The exec fifo: the init blocks reading it until `start` writes.
  std::string fifo = FifoPath(dir);
  if (::mkfifo(fifo.c_str(), 0600) != 0) return FailErrno("mkfifo {}", fifo);
  UniqueFd fifo_fd(::open(fifo.c_str(), O_RDWR | O_CLOEXEC));
  if (!fifo_fd) return FailErrno("open {}", fifo);
  plan.fifo_fd = fifo_fd.get();
  std::string start_error = dir + "/start-error";
  UniqueFd start_error_fd(
      ::open(start_error.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_APPEND, 0600));
  if (!start_error_fd) return FailErrno("create {}", start_error);
  plan.start_error_fd = start_error_fd.get();
  UniqueFd seccomp_socket;
  if (plan.seccomp.notify) {
    seccomp_socket = TRY(ListenUnix(dir + "/seccomp.sock"));
    plan.seccomp_socket_fd = seccomp_socket.get();
  }

  // 5b. Idmapped bind mounts, made here on the host side (only a process
  // with CAP_SYS_ADMIN over the source filesystem may idmap it); the init
  // inherits the detached trees and moves them into place.
  std::vector<UniqueFd> idmapped;
  for (auto& m : plan.mounts) {
    if (!m.idmap) continue;
    auto userns = TRY_CTX(MakeUsernsFd(m.idmap_uids, m.idmap_gids), "mounts[{}]", m.dest);
    auto tree =
        TRY_CTX(OpenIdmappedTree(m.source, m.recursive_bind, m.idmap_recursive, userns.get()),
                "mounts[{}]", m.dest);
    m.premade_fd = tree.get();
    idmapped.push_back(std::move(tree));
  }

  // 6. Stage 1.
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return FailErrno("socketpair");
  UniqueFd parent_sock(sv[0]), child_sock(sv[1]);
  // On pure v2, stage 1 is born in the container's cgroup (clone3 with
  // CLONE_INTO_CGROUP): no migration afterwards. Elsewhere, or if the
  // kernel refuses, a plain fork and a write to cgroup.procs (step 7).
  bool born_in_cgroup = false;
  pid_t stage1 = -1;
  if (undo.has_cg && undo.cg.mode == cgroup::Mode::kV2 && undo.cg.dirs.size() == 1) {
    UniqueFd cgfd(::open(undo.cg.dirs.front().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (cgfd) {
      clone_args args{};
      args.flags = CLONE_INTO_CGROUP;
      args.exit_signal = SIGCHLD;
      args.cgroup = static_cast<uint64_t>(cgfd.get());
      stage1 = static_cast<pid_t>(sys::Clone3(&args));
      born_in_cgroup = stage1 >= 0;
    }
  }
  if (!born_in_cgroup) stage1 = ::fork();
  if (stage1 < 0) return FailErrno("fork");
  if (stage1 == 0) {
    parent_sock.Reset();
    Stage1Main(plan, child_sock.get());
  }
  undo.stage1 = stage1;
  child_sock.Reset();
  int sync = parent_sock.get();

  // 7. Into the cgroup before any namespace exists, so the init is born there.
  if (undo.has_cg && !born_in_cgroup) TRY(cgroup::AddProcess(undo.cg, stage1));
  if (SyncSend(sync, SyncType::kGo) != 0) return FailErrno("sync with the init");

  // 8. Serve the init until it reports created.
  ContainerRecord rec;
  rec.id = o.id;
  rec.bundle = bundle;
  rec.rootfs = plan.rootfs;
  rec.created = NowRfc3339Nano();
  rec.owner = OwnerName();
  // The state reports the spec version the runtime implements, as runc's does.
  rec.oci_version = kRuntimeSpecVersion;
  rec.annotations = cfg.annotations;
  rec.cgroup = undo.cg;
  rec.has_cgroup = undo.has_cg;
  rec.config = spec::ConfigToJson(cfg);
  rec.dir = dir;
  for (;;) {
    SyncMsg m;
    if (!SyncRecv(sync, &m)) {
      if (undo.has_cg && cgroup::OomKilled(cgroup::ResourceDirsOf(undo.cg, *layout)))
        return Fail(
            "container {}: the init was killed by the OOM killer during setup "
            "(linux.resources.memory.limit is too low to start it)",
            o.id);
      return Fail("container {}: init exited during setup", o.id);
    }
    if (m.type == SyncType::kError) {
      m.text[sizeof m.text - 1] = 0;
      return FailCode(m.err, "{}", m.text);
    }
    if (m.type == SyncType::kUsernsReady) {
      TRY(WriteIdMaps(stage1, l));
      if (SyncSend(sync, SyncType::kUsernsMapped) != 0) return FailErrno("sync");
    } else if (m.type == SyncType::kInitPid) {
      undo.init = m.value;
      rec.pid = m.value;
      ::waitpid(stage1, nullptr, 0);
      undo.stage1 = -1;
      rec.pid_start_time = PidStartTime(rec.pid);
      if (plan.has_oom_score_adj)
        TRY_CTX(WriteExisting("/proc/" + std::to_string(rec.pid) + "/oom_score_adj",
                              std::to_string(plan.oom_score_adj)),
                "process.oomScoreAdj");
    } else if (m.type == SyncType::kCreateRuntime) {
      spec::State st = ToState(rec);
      st.status = spec::Status::kCreated;  // as crun and the runtime-tools suite expect
      st.pid = rec.pid;
      std::string state = spec::StateToJson(st).dump();
      TRY(RunHooks("prestart", PlanHooks(cfg.hooks.prestart), state));
      TRY(RunHooks("createRuntime", PlanHooks(cfg.hooks.create_runtime), state));
      if (SyncSend(sync, SyncType::kCreateRuntimeDone, 0, static_cast<uint32_t>(state.size())) !=
              0 ||
          sys::WriteAll(sync, state.data(), state.size()) != 0)
        return FailErrno("sync");
    } else if (m.type == SyncType::kCreated) {
      break;
    }
  }

  // 9. The record, then the pid file: a reader of either sees it whole.
  TRY(SaveRecord(dir, rec));
  if (!o.pid_file.empty())
    TRY_CTX(WriteFileAtomic(o.pid_file, std::to_string(rec.pid), 0644), "--pid-file");
  undo.committed = true;
  return rec.pid;
}

}  // namespace berth::runtime
