#include "runtime/cgroup/cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "base/fs.h"

namespace berth::runtime::cgroup {
namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

// This process's cgroup in the hierarchy carrying `h`'s controllers, from
// /proc/self/cgroup lines "ID:controllers:/path".
std::string SelfPath(const Hierarchy& h, const std::string& self_cgroup) {
  for (const auto& line : Split(self_cgroup, '\n')) {
    auto c1 = line.find(':');
    auto c2 = line.find(':', c1 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos) continue;
    std::string ctrls = line.substr(c1 + 1, c2 - c1 - 1);
    std::string path = line.substr(c2 + 1);
    if (h.v2) {
      if (ctrls.empty()) return path;
      continue;
    }
    auto names = Split(ctrls, ',');
    for (const auto& c : h.controllers)
      for (const auto& n : names)
        if (c == n) return path;
  }
  return "/";
}

bool HasController(const Hierarchy& h, const char* name) {
  for (const auto& c : h.controllers)
    if (c == name) return true;
  return false;
}

// mountinfo writes space, tab, newline and backslash in paths as \ooo.
std::string UnescapeMountinfo(const std::string& field) {
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 4 <= field.size() && octal(field[i + 1]) && octal(field[i + 2]) &&
        octal(field[i + 3])) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                               (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

}  // namespace

const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kV1:
      return "v1";
    case Mode::kHybrid:
      return "hybrid";
    case Mode::kV2:
      return "v2";
  }
  return "?";
}

Result<Layout> ParseLayout(const std::string& mountinfo) {
  Layout l;
  bool any_v1 = false, any_v2 = false;
  for (const auto& line : Split(mountinfo, '\n')) {
    // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS"
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto left = Split(line.substr(0, dash), ' ');
    auto right = Split(line.substr(dash + 3), ' ');
    if (left.size() < 5 || right.size() < 3) continue;
    const std::string& fstype = right[0];
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    Hierarchy h;
    h.mount_point = CleanPath(UnescapeMountinfo(left[4]));
    // A cgroup fs is never the root fs; anything else is not a mountinfo
    // line we understand (and would place cgroups at the host's root).
    if (h.mount_point.size() < 2 || h.mount_point[0] != '/') continue;
    h.v2 = fstype == "cgroup2";
    if (!h.v2) {
      for (const auto& o : Split(right[2], ','))
        if (o != "rw" && o != "ro" && o != "clone_children" && o.rfind("release_agent", 0) != 0 &&
            o != "noprefix" && o != "xattr")
          h.controllers.push_back(o);
    }
    bool dup = false;
    for (const auto& e : l.hierarchies) dup = dup || e.mount_point == h.mount_point;
    if (dup) continue;
    (h.v2 ? any_v2 : any_v1) = true;
    l.hierarchies.push_back(std::move(h));
  }
  if (!any_v1 && !any_v2) return Fail("cgroup: no cgroup filesystem is mounted");
  l.mode = any_v1 ? (any_v2 ? Mode::kHybrid : Mode::kV1) : Mode::kV2;
  return l;
}

Result<Layout> DetectLayout() {
  auto text = TRY(ReadFile("/proc/self/mountinfo"));
  return ParseLayout(text);
}

Result<Placement> PlanPlacement(const Layout& layout, const std::string& cgroups_path,
                                const std::string& self_cgroup) {
  Placement p;
  p.mode = layout.mode;
  for (const auto& h : layout.hierarchies) {
    std::string rel = cgroups_path.starts_with('/')
                          ? CleanPath(cgroups_path)
                          : CleanPath("/" + SelfPath(h, self_cgroup) + "/" + cgroups_path);
    if (rel == "/")
      return Fail("linux.cgroupsPath {:?}: must not be the root cgroup", cgroups_path);
    std::string dir = CleanPath(h.mount_point + rel);
    p.dirs.push_back(dir);
    if (HasController(h, "devices")) p.devices_dir = dir;
    if (HasController(h, "freezer")) p.freezer_dir = dir;
    if (h.v2 && layout.mode == Mode::kV2) p.freezer_dir = p.pids_dir = dir;
    if (HasController(h, "pids")) p.pids_dir = dir;
    if (p.procs_dir.empty() || HasController(h, "pids") || (h.v2 && layout.mode == Mode::kV2))
      p.procs_dir = dir;
  }
  return p;
}

Status Create(Placement& p) {
  p.created.assign(p.dirs.size(), std::string());
  for (size_t i = 0; i < p.dirs.size(); ++i) {
    const std::string& dir = p.dirs[i];
    // Make each missing level; v1 cpuset levels start with empty cpus and
    // mems and must inherit them before any task may join.
    std::string cur;
    bool cpuset = dir.find("/cpuset") != std::string::npos;
    for (const auto& part : Split(dir, '/')) {
      if (part.empty()) continue;
      std::string parent = cur.empty() ? "/" : cur;
      cur += "/" + part;
      if (::mkdir(cur.c_str(), 0755) != 0) {
        if (errno == EEXIST) continue;
        return FailErrno("cgroup: mkdir {}", cur);
      }
      if (p.created[i].empty()) p.created[i] = cur;
      if (cpuset) {
        for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
          auto v = ReadFile(parent + "/" + f);
          if (v && !v->empty()) TRY_CTX(WriteExisting(cur + "/" + f, *v), "cgroup");
        }
      }
    }
  }
  return Ok();
}

Status AddProcess(const Placement& p, pid_t pid) {
  std::string s = std::to_string(pid);
  for (const auto& dir : p.dirs) TRY_CTX(WriteExisting(dir + "/cgroup.procs", s), "cgroup");
  return Ok();
}

Result<std::vector<pid_t>> Pids(const Placement& p) {
  std::vector<pid_t> out;
  if (p.procs_dir.empty()) return out;
  auto text = ReadFile(p.procs_dir + "/cgroup.procs");
  if (!text) {
    if (text.error().code() == ENOENT) return out;
    return std::unexpected(text.error());
  }
  for (const auto& l : Split(*text, '\n'))
    if (!l.empty()) out.push_back(static_cast<pid_t>(std::stol(l)));
  return out;
}

Status Remove(const Placement& p) {
  for (size_t i = 0; i < p.dirs.size(); ++i) {
    const std::string& dir = p.dirs[i];
    for (int attempt = 0;; ++attempt) {
      if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) break;
      if (errno != EBUSY || attempt >= 50) return FailErrno("cgroup: remove {}", dir);
      ::usleep(10000);  // tasks that were just killed leave asynchronously
    }
    // Then the levels Create made above the leaf, while they are empty.
    const std::string top = i < p.created.size() ? p.created[i] : std::string();
    if (top.empty() || top == dir || !dir.starts_with(top + "/")) continue;
    for (std::string cur = dir.substr(0, dir.rfind('/')); cur.size() >= top.size();
         cur = cur.substr(0, cur.rfind('/'))) {
      if (::rmdir(cur.c_str()) != 0) break;  // not empty: another container's
      if (cur == top) break;
    }
  }
  return Ok();
}

Status ApplyPidsLimit(const Placement& p, int64_t limit) {
  if (p.pids_dir.empty()) return Fail("linux.resources.pids: no pids controller on this host");
  std::string v = limit > 0 ? std::to_string(limit) : "max";
  return WriteExisting(p.pids_dir + "/pids.max", v);
}

}  // namespace berth::runtime::cgroup
