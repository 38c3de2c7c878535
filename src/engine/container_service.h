// The daemon's containers: create one from an image, run it under its own
// berth-shim, stop, kill, wait for, remove, rename, pause it, read its
// logs, attach to it, and find the containers again after a daemon
// restart. What the Docker API's container endpoints need, in engine terms.
//
// Where a container lives:
//   <data_root>/containers/<id>/          the bundle: config.json, rootfs/
//                                         (the overlay, mounted while it
//                                         runs), hostname, hosts,
//                                         resolv.conf, <id>-json.log
//   <exec_root>/c/<first 24 hex of id>/   the shim's shim.sock, shim.pid,
//                                         exit.json (short: a socket path
//                                         holds at most 107 bytes)
//   <exec_root>/runtime/<id>/             the runtime library's record
//   snapshots/active/<id>                 its writable layer
// The SQLite record (container_store.h) is written last on create and
// removed first on delete, so a crash never leaves a record without its
// snapshot; leftovers without a record are removed when the service opens.
//
// Containers outlive the daemon: each runs under a shim that berthd only
// talks to. A monitor thread per running container waits on its shim; when
// the daemon starts, Open reconnects to every shim, or takes the exit a
// shim left behind (exit.json), or, for a shim that was killed, kills and
// deletes what it left and reports the container exited (137).
//
// Errors callers branch on carry an errno: ENOENT (no such container or
// image: 404), EEXIST and EBUSY (a name taken, a running container:
// 409), EINVAL (bad options: 400), EALREADY (already started or stopped:
// docker's 304).
// Thread safety: every method may be called from any thread; operations
// on one container are serialized.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "engine/container_changes.h"
#include "engine/container_config.h"
#include "engine/container_fs.h"
#include "engine/container_store.h"
#include "engine/image_service.h"
#include "engine/userns_remap.h"

namespace berth::engine {

struct ContainerServiceOptions {
  std::string data_root;
  std::string exec_root;
  std::string shim_binary;  // path of berth-shim
  std::string init_binary;  // for HostConfig.Init; "" when none is installed
};

// What happened to a container, for the daemon's event stream.
struct ContainerEvent {
  std::string action;  // "create", "start", "die", "kill", "stop", "destroy", ...
  std::string id;
  std::map<std::string, std::string> attributes;  // name, image, exitCode, signal, ...
};
using ContainerEventFn = std::function<void(const ContainerEvent&)>;

enum class WaitCondition { kNotRunning, kNextExit, kRemoved };

struct WaitResult {
  int64_t status_code = 0;
  std::string error;  // why it could not run, when it could not
};

struct LogOptions {
  bool follow = false;
  bool stdout = true, stderr = true;
  bool timestamps = false;
  int64_t since_nano = 0;  // 0: from the start
  int64_t until_nano = 0;  // 0: no end
  int64_t tail = -1;       // the last N lines; -1: all
};

// One row of `ps` inside a container (docker top).
struct TopResult {
  std::vector<std::string> titles;
  std::vector<std::vector<std::string>> processes;
};

class ContainerService {
 public:
  // Opens the container records in the image service's database, removes
  // leftovers of interrupted creates and deletes, and reconnects to the
  // shims of containers that were running.
  static Result<std::unique_ptr<ContainerService>> Open(const ContainerServiceOptions& options,
                                                        ImageService& images,
                                                        ContainerEventFn on_event);
  ~ContainerService();

  // docker create: a record, a writable layer over the image, a bundle
  // directory; nothing runs yet. `name` empty: a generated one. ENOENT
  // "No such image: X" when the image is not here.
  Result<std::string> Create(const CreateRequest& request, const std::string& name);
  // Mounts the root, writes config.json and starts the container under a
  // new shim. EALREADY when it runs. A start that fails leaves the
  // container created, with State.Error set, and nothing mounted.
  Status Start(const std::string& name_or_id);
  // The stop signal, then SIGKILL after `timeout_s` seconds (nullopt: the
  // container's StopTimeout, else 10; -1: wait forever). EALREADY when it
  // is not running.
  Status Stop(const std::string& name_or_id, std::optional<int> timeout_s,
              const std::string& signal = "");
  Status Restart(const std::string& name_or_id, std::optional<int> timeout_s,
                 const std::string& signal = "");
  // EBUSY "Container X is not running" when it is not.
  Status Kill(const std::string& name_or_id, const std::string& signal);
  Status Pause(const std::string& name_or_id);
  Status Unpause(const std::string& name_or_id);
  // Blocks per `condition`; `cancelled` is polled about every 200 ms (a
  // client that went away) and ends the wait with ECANCELED.
  // `registered`, when set, is called once the wait counts exits from
  // now (before it blocks): the API answers its status line then, so a
  // client that starts the container after it cannot miss the exit.
  Result<WaitResult> Wait(const std::string& name_or_id, WaitCondition condition,
                          const std::function<bool()>& cancelled,
                          const std::function<void()>& registered = nullptr);
  // docker rm: EBUSY for a running container without `force` (which kills
  // it first).
  Status Remove(const std::string& name_or_id, bool force);
  Status Rename(const std::string& name_or_id, const std::string& new_name);
  Status Resize(const std::string& name_or_id, unsigned height, unsigned width);

  // The record with its live state.
  Result<ContainerRecord> Inspect(const std::string& name_or_id);
  Result<std::vector<ContainerRecord>> List();
  // Removes every stopped container; returns their IDs.
  Result<std::vector<std::string>> Prune(
      const std::function<bool(const ContainerRecord&)>& matches);
  // The bytes of files in its writable layer (docker's SizeRw).
  int64_t WritableLayerBytes(const std::string& id);
  Result<TopResult> Top(const std::string& name_or_id, const std::string& ps_args);

  // The container's log as docker's logs endpoint sends it: multiplexed
  // frames (no tty) or raw bytes (tty) through `write`, which returns false
  // once the client is gone.
  Status Logs(const std::string& name_or_id, const LogOptions& options,
              const std::function<bool(std::string_view)>& write);

  // docker attach, with the connection already taken over by the API:
  // relays between `client_fd` and the container's shim until the
  // container ends, the client goes, or the detach keys come on stdin.
  struct AttachOptions {
    bool stream = true, logs = false;
    bool stdin = false, stdout = true, stderr = true;
    std::string detach_keys;  // docker's "ctrl-p,ctrl-q" form; "" the default
  };
  // Before the API answers 101: the container exists, and whether it has
  // a tty. A stream to a container not yet started is registered, so that
  // its start holds the first output until the attach is in place.
  struct AttachTicket {
    std::string id;
    bool tty = false;
    bool pending = false;
  };
  Result<AttachTicket> PrepareAttach(const std::string& name_or_id, bool stream);
  // Ends a prepared attach that never ran (the client went).
  void CancelAttach(const AttachTicket& ticket);
  Status Attach(const AttachTicket& ticket, const AttachOptions& options, int client_fd,
                std::string client_buffered);

  // docker diff: the writable layer against the image's layers.
  Result<std::vector<Change>> Changes(const std::string& name_or_id);
  // docker export: a tar of the container's whole root filesystem through
  // `write` (mounted for the while if the container is not running).
  Status Export(const std::string& name_or_id,
                const std::function<Status(std::string_view)>& write);

  // docker exec: a process run in a running container by its shim.
  struct ExecConfig {
    std::vector<std::string> cmd;
    std::vector<std::string> env;  // KEY=VALUE over the container's
    std::string user;              // empty: the container's
    std::string working_dir;       // empty: the container's
    bool tty = false;
    bool attach_stdin = false, attach_stdout = true, attach_stderr = true;
    std::string detach_keys;
    unsigned console_height = 0, console_width = 0;  // the tty's first size; 0: unset
  };
  struct ExecInfo {
    std::string id, container_id;
    ExecConfig config;
    bool running = false;
    std::optional<int64_t> exit_code;  // once it has ended
    int64_t pid = 0;
  };
  // EBUSY "Container X is not running" (409) unless it runs; EINVAL for
  // an empty command or a bad user.
  Result<std::string> ExecCreate(const std::string& name_or_id, ExecConfig config);
  Result<ExecInfo> ExecInspect(const std::string& exec_id);
  // Runs it. Detached: returns once it started. Otherwise relays its
  // stdio over `client_fd` (already taken over by the API) until it ends;
  // its exit code is recorded before this returns. A process that cannot
  // be started gets docker's message on the stream and exit code 126
  // (127 when the command is not found). EBUSY when already started.
  Status ExecStart(const std::string& exec_id, bool detach, int client_fd,
                   std::string client_buffered);
  // Checks before the API answers 101 (ENOENT, EBUSY), and whether it has a tty.
  Result<bool> ExecPrepare(const std::string& exec_id);
  Status ExecResize(const std::string& exec_id, unsigned height, unsigned width);
  // The size its tty starts with (exec start's ConsoleSize); ENOENT, or
  // EBUSY once it has started.
  Status ExecSetConsoleSize(const std::string& exec_id, unsigned height, unsigned width);

  // --- resources and update ---
  // docker update: new resource limits (the Resources fields of an update
  // body, zero meaning "unchanged") and a RestartPolicy. Checked first
  // (EINVAL, nothing changed), applied to the running container's cgroup,
  // then stored so that inspect and the next start see them; a container
  // that is not running just gets its record changed. Returns docker's
  // warnings.
  Result<std::vector<std::string>> Update(const std::string& name_or_id,
                                          const nlohmann::json& body);

  // --- security options and userns-remap ---
  // The daemon's userns-remap, set once at start-up before the API serves
  // (not thread-safe against starts); read by start and by the volumes code
  // (PrepareVolumeForRemap).
  void SetUsernsRemap(UsernsRemap remap) { userns_remap_ = std::move(remap); }
  const UsernsRemap& userns_remap() const { return userns_remap_; }

  // --- volumes, binds, tmpfs ---
  // The volumes containers mount (engine/volume_service.h); set once by
  // berthd before serving. Without it, containers get no volumes.
  void SetVolumes(class VolumeService* volumes);
  // docker rm -v: as Remove, and the container's anonymous volumes go with
  // it (as they do for a --rm container).
  Status Remove(const std::string& name_or_id, bool force, bool remove_volumes);
  // The container's mount points, those of --volumes-from included
  // (container_mounts.cc). ENOENT when a --volumes-from container is gone.
  Result<std::vector<MountPoint>> MountPoints(const ContainerRecord& rec);

  // --- restart policies, health checks, stats ---
  // docker stats: one sample of the container's cgroup counters
  // (container_stats.h); a stopped container gives zeros, as dockerd's.
  Result<nlohmann::json> Stats(const std::string& name_or_id);

  // --- cp and commit ---
  // docker cp (HEAD, GET and PUT /containers/{id}/archive), on the host
  // side, every path resolved by fd inside the container's root
  // (engine/container_fs.h): a running container's through
  // /proc/<pid>/root (its volumes and mounts seen as it sees them), a
  // stopped one's overlay mounted for the while (its operations held off
  // meanwhile). ENOENT "Could not find the file P in container C" when the
  // path does not exist.
  Result<PathStat> StatPath(const std::string& name_or_id, const std::string& path);
  // The tar of `path` (named by its last component, docker's rebase),
  // through `write`; `on_stat` is called with the path's stat before the
  // first byte (the API's header).
  Status ArchivePath(const std::string& name_or_id, const std::string& path,
                     const std::function<void(const PathStat&)>& on_stat,
                     const std::function<Status(std::string_view)>& write);
  struct ExtractOptions {
    bool no_overwrite_dir_non_dir = false;
    bool copy_uid_gid = false;  // files owned by the container's user (cp -a)
  };
  // Unpacks the tar that `read` gives (plain or compressed) into the
  // directory `path`, with layer_unpack's checks (no "..", links resolved
  // inside the destination). EINVAL "extraction point is not a directory".
  Status ExtractToDir(const std::string& name_or_id, const std::string& path,
                      const ExtractOptions& options, const image::ReadFn& read);
  // docker commit: the writable layer as a new layer over the image's,
  // with the container's config merged with `config` and `changes`.
  struct CommitRequest {
    std::string repo, tag, comment, author;
    bool pause = true;  // freeze a running container during the commit
    std::vector<std::string> changes;
    nlohmann::json config;  // the request body's Config; null: the container's
  };
  Result<image::Digest> Commit(const std::string& name_or_id, const CommitRequest& request);

  ImageService& images() { return images_; }
  const ContainerServiceOptions& options() const { return options_; }

 private:
  struct Live;    // per-container run-time state (container_live.h)
  struct Locked;  // a record read under its container's operation lock
  ContainerService(ContainerServiceOptions options, ImageService& images, ContainerStore store,
                   ContainerEventFn on_event);

  std::shared_ptr<Live> LiveOf(const std::string& id);
  // Looks the container up, takes its operation lock and reads its record
  // again under it (ENOENT when it went meanwhile).
  Result<Locked> LockContainer(const std::string& name_or_id);
  void Emit(const ContainerRecord& rec, const std::string& action,
            std::map<std::string, std::string> extra = {});
  std::string BundleDir(const std::string& id) const;
  std::string StateDir(const std::string& id) const;
  std::string RuntimeRoot() const;

  // The start driver, with the container's operation lock held.
  Status StartLocked(ContainerRecord rec);
  // Watches a running container's shim on a thread of its own.
  void Monitor(const std::string& id);
  // Takes an exit: the record, the mount, the waiters, the event, --rm.
  void OnExit(const std::string& id, const ContainerState& exited);
  Status RemoveLocked(const ContainerRecord& rec);
  Status StopLocked(const ContainerRecord& rec, std::optional<int> timeout_s,
                    const std::string& signal);
  Status SignalShim(const ContainerRecord& rec, int signal);
  // Reconnects after a daemon restart (Open).
  Status Restore();
  // Marks the container running and starts its monitor.
  void WatchShim(const std::string& id);
  // Until the monitor has taken the exit; false when `timeout_ms` (-1:
  // none) passed first.
  Result<bool> AwaitExit(const std::shared_ptr<Live>& live, int timeout_ms);
  // /proc/PID/ns/KIND of the running container `target`.
  Result<std::string> NamespacePath(const std::string& target, const std::string& kind);

  ContainerServiceOptions options_;
  ImageService& images_;
  ContainerStore store_;
  ContainerEventFn on_event_;

  std::mutex create_mu_;  // from choosing a name to writing the record
  std::mutex mu_;         // guards live_; state changes notify cv_
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Live>> live_;
  std::map<std::string, ExecInfo> execs_;
  // Takes an exec's end: its record and the exec_die event.
  void ExecEnded(const std::string& exec_id, int64_t exit_code);
  // --- resources and update ---

  // --- security options and userns-remap ---
  UsernsRemap userns_remap_;

  // --- volumes, binds, tmpfs ---
  class VolumeService* volumes_ = nullptr;
  std::map<std::string, bool> remove_volumes_of_;  // rm -v in progress; guarded by mu_
  Result<std::vector<MountPoint>> MountPointsOf(const ContainerRecord& rec, int depth);
  // At create: the container's own volumes (named and anonymous) made now,
  // as docker makes them; the names of those that did not exist before go
  // to *made, for RemoveNewVolumes should the create fail after.
  Status CreateVolumes(const std::string& id, const ContainerConfig& config,
                       const StorageOptions& storage, const nlohmann::json& image_config,
                       std::vector<std::string>* made);
  void RemoveNewVolumes(const std::vector<std::string>& made);
  // At start: the container's mounts into in->extra_mounts, with volumes
  // created, mounted and seeded and -v's missing bind sources made.
  Status PrepareMounts(const ContainerRecord& rec, struct ContainerSpecInput* in);
  // At removal (the record already gone): the local driver's mounts no
  // one uses any more, and its anonymous volumes with --rm or rm -v.
  void ReleaseVolumes(const ContainerRecord& rec);
  // At exit: the local driver's mounts of its volumes (its own and those
  // it takes --volumes-from) that no other running container uses, as
  // docker's local driver unmounts when its last user stops.
  void UnmountUnusedVolumes(const ContainerRecord& rec);

  // --- restart policies, health checks, stats ---
  // Restart policies (restart_manager.cc), dockerd's restart manager: per
  // container the backoff (100 ms doubling to 1 min, reset after 10 s of
  // running) and the pending restart. Guarded by mu_.
  struct RestartState {
    int64_t backoff_ms = 0;   // the last wait; 0: none yet
    uint64_t generation = 0;  // bumped to cancel a pending restart
    bool by_policy = false;   // the start under way is the policy's, not a user's
  };
  std::map<std::string, RestartState> restarts_;
  // On an exit (OnExit, record already updated): whether the policy
  // restarts it; if so the record says "restarting" and a restart waits
  // out the backoff on a thread of its own.
  bool ScheduleRestart(ContainerRecord& rec);
  void RestartAfter(const std::string& id, uint64_t generation, int64_t delay_ms);
  // Drops a pending restart (stop, kill, remove, restart by the user).
  void CancelRestart(const std::string& id);
  // A stop or kill of a container waiting to restart: it stays exited.
  Status EndRestarting(ContainerRecord& rec);
  // At the end of every start: a user's start resets RestartCount and the
  // manual stop (as dockerd's); the health checker starts.
  void AfterStart(const ContainerRecord& rec);
  // After a daemon restart: containers with "always", and "unless-stopped"
  // ones the user did not stop, are started again.
  void RestartOnBoot(const std::vector<ContainerRecord>& records);
  // Health checks (health_checker.cc): one thread per running container
  // with a check; bumping its generation stops it. Guarded by mu_.
  std::map<std::string, uint64_t> health_runs_;
  void StartHealthChecks(const ContainerRecord& rec);
  void StopHealthChecks(const std::string& id);
  void HealthLoop(const std::string& id, uint64_t generation, HealthConfig hc, int64_t started_ns);
  // One probe through the exec machinery: {Start, End, ExitCode, Output}.
  nlohmann::json RunHealthProbe(const std::string& id, const HealthConfig& hc);

  // --- cp and commit ---
  // A container's root filesystem opened for cp: the fd, and for a
  // stopped container its lock and the mount made for the while.
  struct RootAccess;
  Result<std::unique_ptr<RootAccess>> OpenRootFs(const std::string& name_or_id);

  std::atomic<bool> closing_{false};
  std::atomic<int> monitors_{0};
};

}  // namespace berth::engine
