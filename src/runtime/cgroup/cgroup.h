// Cgroup placement: where a container's cgroup lives on this host and how
// processes join it. Hosts come in three layouts, told apart at run time:
// v1 (one hierarchy per controller), v2 (one unified tree) and hybrid (v1
// controllers plus a v2 tree mounted at /sys/fs/cgroup/unified). Applying
// linux.resources controller by controller builds on this (see
// devices_v1.h for the one part-1 needs).
//
// Not thread-safe; each call reads the host's layout afresh.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/error.h"

namespace berth::runtime::cgroup {

enum class Mode { kV1, kHybrid, kV2 };
const char* ModeName(Mode m);

// One hierarchy this host mounts: its mount point, its kind, and the
// controllers it carries ("cpu", "name=systemd"; empty for v2).
struct Hierarchy {
  std::string mount_point;
  bool v2 = false;
  std::vector<std::string> controllers;
};

struct Layout {
  Mode mode = Mode::kV2;
  std::vector<Hierarchy> hierarchies;
};

// Reads /proc/self/mountinfo. `mountinfo` lets tests pass their own text.
Result<Layout> DetectLayout();
Result<Layout> ParseLayout(const std::string& mountinfo);

// The container's cgroup, one directory per hierarchy. A relative
// cgroupsPath is taken relative to this process's own cgroup in each
// hierarchy (as runc does); an absolute one from the hierarchy's root.
struct Placement {
  Mode mode = Mode::kV2;
  std::vector<std::string> dirs;  // absolute paths under the mount points
  std::string devices_dir;        // the v1 devices hierarchy's dir, if any
  std::string freezer_dir;        // the v1 freezer dir, or the v2 dir
  std::string pids_dir;           // the v1 pids dir, or the v2 dir
  std::string procs_dir;          // where to read the member pids from
  // Per entry of dirs: the topmost directory Create made for it (the leaf,
  // or an ancestor when intermediate levels were missing), so Remove takes
  // away exactly what was made and never a parent someone else owns.
  std::vector<std::string> created;
};

// `self_cgroup` is /proc/self/cgroup's text.
Result<Placement> PlanPlacement(const Layout& layout, const std::string& cgroups_path,
                                const std::string& self_cgroup);

// Creates the directories (v1 cpuset levels get their parent's cpus and
// mems, or no task could join them). Fails if the leaf already exists and
// has processes, so two containers never share a cgroup by accident.
// Records what it made in p.created.
Status Create(Placement& p);
// Moves `pid` into every hierarchy's directory.
Status AddProcess(const Placement& p, pid_t pid);
// The pids in the container's cgroup.
Result<std::vector<pid_t>> Pids(const Placement& p);
// Removes the leaf directories; waits briefly for exiting tasks.
Status Remove(const Placement& p);

// linux.resources.pids.limit: pids.max; 0 or less means no limit ("max").
Status ApplyPidsLimit(const Placement& p, int64_t limit);

}  // namespace berth::runtime::cgroup
