// docker start, step by step: the root filesystem mounted from the
// container's snapshot, the namespaces it joins, the bundle's config.json,
// then berth-shim, which creates and starts it and stays with it. A
// failing step undoes the mount; the container stays "created" with the
// cause in State.Error, as docker leaves it.
#include <signal.h>
#include <sys/mount.h>

#include <cstdlib>

#include <thread>

#include "base/clock.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/subprocess.h"
#include "engine/container_live.h"
#include "engine/container_service.h"
#include "engine/container_spec.h"
#include "engine/shim_client.h"
#include "runtime/runtime.h"
#include "spec/runtime_spec.h"

namespace berth::engine {
namespace {

// Runs berth-shim and returns the pid it reports once the container runs,
// or its one-line error. The shim daemonizes: the launcher process exits
// when the container has started, and the shim keeps none of our pipes.
Result<int> LaunchShim(const std::string& binary, const std::vector<std::string>& args) {
  // A launch never takes this long; one that does is stuck and is killed
  // (the caller removes what it left), rather than holding the container.
  ProgramOutput r = TRY(RunProgram(binary, args, 60000));
  auto trim = [](std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  };
  if (r.exit_status != 0) {
    std::string error = trim(r.err);
    if (auto nl = error.rfind('\n'); nl != std::string::npos) error = error.substr(nl + 1);
    if (error.rfind("berth-shim: ", 0) == 0) error = error.substr(12);
    return Fail("{}", error.empty() ? "berth-shim failed" : error);
  }
  char* end = nullptr;
  long pid = std::strtol(r.out.c_str(), &end, 10);
  if (pid <= 0 || end == r.out.c_str())
    return Fail("berth-shim reported {:?}, not a pid", trim(r.out));
  return static_cast<int>(pid);
}

// docker's exit code for a container that could not start: 127 when the
// command is not there, 126 when it cannot be run, else 128.
int64_t StartFailureCode(const std::string& message) {
  if (message.find("executable file not found") != std::string::npos ||
      message.find("no such file or directory") != std::string::npos)
    return 127;
  if (message.find("permission denied") != std::string::npos) return 126;
  return 128;
}

}  // namespace

Status ContainerService::Start(const std::string& name_or_id) {
  Locked l = TRY(LockContainer(name_or_id));
  bool auto_remove = l.rec.host_config.value("AutoRemove", false);
  Status s = StartLocked(l.rec);
  // --rm: a container that could not start is removed too, as docker
  // does (its client waits for the removal).
  if (!s && auto_remove && s.error().code() != EALREADY) {
    if (auto now = store_.Get(l.rec.id); now && *now) (void)RemoveLocked(**now);
  }
  return s;
}

Result<std::string> ContainerService::NamespacePath(const std::string& target,
                                                    const std::string& kind) {
  auto other = store_.Lookup(target);
  if (!other)
    return FailAs(ENOENT, "cannot join {} namespace of container {}: No such container", kind,
                  target);
  if (!IsRunning(other->state))
    return FailAs(EBUSY, "cannot join {} namespace of a non running container {}", kind,
                  other->name);
  return fmt::format("/proc/{}/ns/{}", other->state.pid, kind);
}

Status ContainerService::StartLocked(ContainerRecord rec) {
  if (IsRunning(rec.state)) return FailAs(EALREADY, "container {} is already running", rec.id);
  if (rec.state.status == ContainerStatus::kRemoving)
    return FailAs(EBUSY, "container {} is marked for removal and cannot be started", rec.id);
  ContainerConfig config = TRY(ParseContainerConfig(rec.config));
  HostConfig host_config = TRY(ParseHostConfig(rec.host_config));

  auto failed = [&](const Error& e) -> Status {
    ContainerState st = rec.state;
    st.error = e.message();
    st.exit_code = StartFailureCode(e.message());
    (void)store_.SetState(rec.id, st);
    return std::unexpected(e);
  };

  // 1. The root: the image's layers under the container's writable layer.
  auto image_id = image::ParseDigest(rec.image_id);
  if (!image_id) return failed(image_id.error());
  auto image = images_.Details(*image_id);
  if (!image) return failed(image.error());
  if (!image->record.top_chain)
    return failed(Error(EINVAL, fmt::format("image {} has no layers", rec.image_ref)));
  std::string bundle = BundleDir(rec.id);
  std::string rootfs = bundle + "/rootfs";
  (void)::umount2(rootfs.c_str(), MNT_DETACH);  // a mount a crashed start left
  // Under userns-remap the layers are seen through the container's maps.
  bool remapped = RemappedFor(userns_remap_, host_config.userns_mode);
  if (auto s = remapped ? images_.snapshots().MountActiveRemapped(
                              rec.id, *image->record.top_chain, rootfs, userns_remap_.UidMappings(),
                              userns_remap_.GidMappings())
                        : images_.snapshots().MountActive(rec.id, *image->record.top_chain, rootfs);
      !s)
    return failed(s.error());
  bool mounted = true;
  auto unmount = [&] {
    if (mounted) (void)::umount2(rootfs.c_str(), MNT_DETACH);
    mounted = false;
  };

  // 2. The bundle's config.json, with the namespaces of containers it joins.
  ContainerSpecInput in;
  in.id = rec.id;
  in.config = config;
  in.host_config = host_config;
  in.image_config = image->config.config;
  in.rootfs = rootfs;
  in.container_dir = bundle;
  in.init_binary = options_.init_binary;
  struct Join {
    bool wanted;
    const std::string& target;
    const char* kind;
    std::string* path;
  };
  const Join joins[] = {
      {host_config.network_mode.kind == NetworkMode::kContainer, host_config.network_mode.container,
       "net", &in.net_ns_path},
      {host_config.pid_mode.kind == NamespaceMode::kContainer, host_config.pid_mode.container,
       "pid", &in.pid_ns_path},
      {host_config.ipc_mode.kind == NamespaceMode::kContainer, host_config.ipc_mode.container,
       "ipc", &in.ipc_ns_path},
      {host_config.uts_mode.kind == NamespaceMode::kContainer, host_config.uts_mode.container,
       "uts", &in.uts_ns_path},
  };
  for (const Join& j : joins) {
    if (!j.wanted) continue;
    auto path = NamespacePath(j.target, j.kind);
    if (!path) {
      unmount();
      return failed(path.error());
    }
    *j.path = *path;
  }
  // --- volumes, binds, tmpfs: in.extra_mounts ---
  if (auto s = PrepareMounts(rec, &in); !s) {
    unmount();
    return failed(s.error());
  }

  // --- userns-remap: in.uid_mappings, in.gid_mappings ---
  if (auto s = ApplyUsernsRemap(userns_remap_, host_config, in); !s) {
    unmount();
    return failed(s.error());
  }

  auto spec = BuildContainerSpec(in);
  if (!spec) {
    unmount();
    return failed(spec.error());
  }
  std::string config_json = spec::ConfigToJson(spec->config).dump(2);
  if (auto s = WriteFileAtomic(bundle + "/config.json", config_json, 0600); !s) {
    unmount();
    return failed(s.error());
  }

  // 3. The shim: a fresh state dir (no exit of an earlier run), then
  // berth-shim, which returns once the container's process runs.
  std::string state_dir = StateDir(rec.id);
  (void)RemoveAll(state_dir);
  std::vector<std::string> args = {"--id",        rec.id,    "--bundle",       bundle,
                                   "--state-dir", state_dir, "--runtime-root", RuntimeRoot()};
  if (config.tty) args.push_back("--tty");
  {
    // An attach waiting for this start (docker run, start -a) must see
    // the first bytes: the shim holds the output until it is there.
    auto live = LiveOf(rec.id);
    std::lock_guard lock(mu_);
    if (live->attaches_pending > 0) args.insert(args.end(), {"--attach-wait", "3000"});
  }
  if (config.open_stdin) args.push_back("--stdin");
  if (!rec.log_path.empty()) {
    args.insert(args.end(), {"--log-path", rec.log_path});
    const LogConfig& lc = host_config.log_config;
    if (lc.max_size > 0) args.insert(args.end(), {"--log-max-size", std::to_string(lc.max_size)});
    if (lc.max_file > 1) args.insert(args.end(), {"--log-max-file", std::to_string(lc.max_file)});
  }
  // Taken before: a short-lived process may have exited (FinishedAt) by
  // the time the launch returns.
  std::string started_at = NowRfc3339Nano();
  auto pid = LaunchShim(options_.shim_binary, args);
  if (!pid) {
    // A shim that died half-way may have left the runtime's container.
    (void)runtime::Delete({.root = RuntimeRoot()}, rec.id, true);
    unmount();
    (void)RemoveAll(state_dir);
    return failed(pid.error());
  }

  // 4. Running: the record (with the init's pid, which the shim knows),
  // a monitor on the shim, the event.
  int64_t init_pid = 0;
  if (auto conn = ShimConnection::Connect(state_dir + "/shim.sock")) {
    if (auto st = conn->Call({{"op", "state"}})) init_pid = st->value("pid", int64_t{0});
  }
  rec.state.status = ContainerStatus::kRunning;
  rec.state.pid = init_pid;
  rec.state.exit_code = 0;
  rec.state.oom_killed = false;
  rec.state.error.clear();
  rec.state.started_at = started_at;
  TRY(store_.SetState(rec.id, rec.state));
  WatchShim(rec.id);
  Emit(rec, "start");
  // --- restart policies, health checks, stats ---
  AfterStart(rec);

  return Ok();
}

void ContainerService::WatchShim(const std::string& id) {
  auto live = LiveOf(id);
  {
    std::lock_guard lock(mu_);
    live->running = true;
  }
  cv_.notify_all();  // an attach waiting for the start connects now
  std::thread([this, id] { Monitor(id); }).detach();
}

}  // namespace berth::engine
