// InitPlan: everything the container's init needs, computed by the parent
// before clone. The child only reads it (its copy of the parent's memory),
// never allocates, and reports failure over the sync socket. Strings are
// std::string for convenience on the parent side; the child uses c_str().
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/seccomp.h"
#include "spec/runtime_spec.h"

namespace berth::runtime {

// One filesystem to attach under the rootfs.
struct MountStep {
  std::string dest;    // absolute path inside the container, cleaned
  std::string source;  // bind: host path; otherwise the fs "source"
  std::string fstype;  // for fsopen(); empty for bind
  bool bind = false;
  bool recursive_bind = false;
  bool dest_is_file = false;     // bind of a non-directory: target is a file
  bool must_be_dir = false;      // proc, sysfs: target must be a real directory
  uint32_t expect_fs_magic = 0;  // statfs magic the new mount must have (0: any)
  // Mount attributes (MOUNT_ATTR_*) for the top mount, and for the whole
  // tree (the r* options).
  uint64_t attr_set = 0, attr_clr = 0;
  uint64_t rec_attr_set = 0, rec_attr_clr = 0;
  uint64_t propagation = 0;  // MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE
  bool propagation_recursive = false;
  // fsconfig() options: key and value; value empty means a flag.
  std::vector<std::pair<std::string, std::string>> fs_options;
  std::string data;  // the same options as a legacy mount(2) data string
  // Not a new mount: only change the attributes of the mount at dest (the
  // cgroup tmpfs turns read-only after its submounts are in).
  bool setattr_only = false;
  // Not a mount: a symlink at dest pointing here (co-mounted v1 controllers).
  std::string symlink_target;
  // Idmapped bind ("idmap"/"ridmap", or mappings on the mount): the
  // runtime makes the detached tree before the init exists (premade_fd,
  // inherited), and the init only moves it into place.
  bool idmap = false;
  bool idmap_recursive = false;
  std::vector<spec::IdMapping> idmap_uids, idmap_gids;
  int premade_fd = -1;
};

// One device node to create under /dev (or wherever path says).
struct DeviceStep {
  std::string path;  // absolute inside the container
  mode_t mode = 0;   // S_IFCHR/S_IFBLK/S_IFIFO | permissions
  dev_t rdev = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string host_path;  // for the bind-mount fallback inside a userns
};

struct SymlinkStep {
  std::string target;
  std::string path;
};

// A hook ready to exec: argv/envp as NULL-terminated arrays that point into
// the strings of `hook`.
struct HookPlan {
  spec::Hook hook;
  std::vector<char*> argv;
  std::vector<char*> envp;
  int timeout_sec = 0;  // 0: none
};

struct NamespaceJoin {
  int nstype = 0;  // CLONE_NEW*
  std::string path;
  int fd = -1;  // opened by the parent, inherited by the child
};

struct CapSets {
  uint64_t bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
};

struct InitPlan {
  std::string id;
  std::string rootfs;  // absolute host path
  bool rootfs_readonly = false;
  bool no_pivot = false;
  bool no_mount_ns = false;              // share the host's mounts: chroot only
  unsigned long rootfs_propagation = 0;  // MS_* | MS_REC, 0: default (rslave)

  int clone_flags = 0;  // CLONE_NEW* to create
  std::vector<NamespaceJoin> joins;
  bool new_userns = false;
  bool new_timens = false;
  std::string timens_offsets;  // "monotonic 1 0\nboottime 2 0\n"

  std::vector<MountStep> mounts;
  std::vector<DeviceStep> devices;
  std::vector<SymlinkStep> dev_symlinks;
  bool bind_devices = false;  // inside a user namespace, mknod is not allowed
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::vector<std::pair<std::string, std::string>> sysctls;  // proc path under sys/, value
  std::string hostname;
  bool set_hostname = false;
  std::string domainname;
  bool set_domainname = false;

  // The process.
  bool has_process = false;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::string path_env;  // the PATH= value used to find argv[0]
  std::string cwd;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  int umask = -1;
  bool has_caps = false;
  CapSets caps;
  int last_cap = 40;
  bool no_new_privileges = false;
  std::vector<std::pair<int, std::pair<uint64_t, uint64_t>>> rlimits;  // resource, soft, hard
  bool has_oom_score_adj = false;
  int oom_score_adj = 0;
  bool has_personality = false;
  unsigned long personality = 0;
  bool has_scheduler = false;
  int sched_policy = 0;
  int sched_priority = 0;
  int sched_nice = 0;
  uint64_t sched_flags = 0, sched_runtime = 0, sched_deadline = 0, sched_period = 0;
  bool has_ioprio = false;
  int ioprio = 0;
  bool terminal = false;
  unsigned short console_rows = 0, console_cols = 0;
  int console_socket_fd = -1;  // connected unix socket, -1 when no terminal
  int preserve_fds = 0;
  bool new_keyring = true;  // a fresh session keyring, named after the id

  std::vector<HookPlan> create_container_hooks;
  std::vector<HookPlan> start_container_hooks;

  SeccompProgram seccomp;

  std::string exec_fifo;  // host path of the fifo create blocks on; empty for none
  int fifo_fd = -1;       // O_PATH fd of the fifo, opened by the parent
  // A file in the state dir (close-on-exec) where the init writes why it
  // died between start and exec (a startContainer hook, seccomp, exec
  // itself): `start` reports it, as nobody reads the sync socket by then.
  int start_error_fd = -1;
  // With a seccomp notify filter: a listening unix socket (made by create
  // at <state dir>/seccomp.sock) on which the init hands the listener fd to
  // `start`, which passes it on to linux.seccomp.listenerPath.
  int seccomp_socket_fd = -1;
};

}  // namespace berth::runtime
