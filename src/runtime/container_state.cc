#include "runtime/container_state.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/fs.h"
#include "runtime/cgroup/freezer.h"

namespace berth::runtime {

using nlohmann::json;

Result<std::string> ContainerDir(const std::string& root, const std::string& id) {
  if (id.empty()) return Fail("container id must not be empty");
  if (id.find('/') != std::string::npos || id == "." || id == ".." || id.size() > 1024)
    return Fail("container id {:?} is invalid: no '/', '.' or '..'", id);
  return root + "/" + id;
}

std::string FifoPath(const std::string& dir) { return dir + "/exec.fifo"; }

Status SaveRecord(const std::string& dir, const ContainerRecord& r) {
  json j = {{"id", r.id},
            {"bundle", r.bundle},
            {"rootfs", r.rootfs},
            {"pid", r.pid},
            {"pid_start_time", r.pid_start_time},
            {"created", r.created},
            {"owner", r.owner},
            {"ociVersion", r.oci_version},
            {"annotations", r.annotations},
            {"has_cgroup", r.has_cgroup},
            {"cgroup",
             {{"mode", static_cast<int>(r.cgroup.mode)},
              {"dirs", r.cgroup.dirs},
              {"devices_dir", r.cgroup.devices_dir},
              {"freezer_dir", r.cgroup.freezer_dir},
              {"procs_dir", r.cgroup.procs_dir},
              {"created", r.cgroup.created}}},
            {"config", r.config}};
  return WriteFileAtomic(dir + "/state.json", j.dump(), 0600);
}

static Result<ContainerRecord> ParseRecord(const std::string& text) {
  try {
    json j = json::parse(text);
    ContainerRecord r;
    r.id = j.at("id");
    r.bundle = j.at("bundle");
    r.rootfs = j.value("rootfs", "");
    r.pid = j.at("pid");
    r.pid_start_time = j.value("pid_start_time", uint64_t{0});
    r.created = j.value("created", "");
    r.owner = j.value("owner", "");
    r.oci_version = j.value("ociVersion", "");
    r.annotations = j.value("annotations", std::map<std::string, std::string>{});
    r.has_cgroup = j.value("has_cgroup", false);
    if (j.contains("cgroup")) {
      const json& c = j["cgroup"];
      r.cgroup.mode = static_cast<cgroup::Mode>(c.value("mode", 2));
      r.cgroup.dirs = c.value("dirs", std::vector<std::string>{});
      r.cgroup.devices_dir = c.value("devices_dir", "");
      r.cgroup.freezer_dir = c.value("freezer_dir", "");
      r.cgroup.procs_dir = c.value("procs_dir", "");
      r.cgroup.created = c.value("created", std::vector<std::string>{});
    }
    r.config = j.value("config", json());
    return r;
  } catch (const json::exception& e) {
    return Fail("corrupt state: {}", e.what());
  }
}

Result<ContainerRecord> LoadRecord(const std::string& root, const std::string& id) {
  auto dir = TRY(ContainerDir(root, id));
  auto text = ReadFile(dir + "/state.json");
  if (!text) {
    if (text.error().code() == ENOENT) return FailAs(ENOENT, "container {} does not exist", id);
    return std::unexpected(std::move(text).error().Context("container " + id));
  }
  auto rec = TRY_CTX(ParseRecord(*text), "container {}", id);
  rec.dir = dir;
  return rec;
}

Result<std::vector<ContainerRecord>> LoadAll(const std::string& root) {
  std::vector<ContainerRecord> out;
  DIR* d = ::opendir(root.c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    return FailErrno("open {}", root);
  }
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    auto r = LoadRecord(root, name);
    if (r) out.push_back(std::move(*r));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return out;
}

uint64_t PidStartTime(pid_t pid) {
  if (pid <= 0) return 0;
  auto text = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return 0;
  // The command name (field 2) may hold spaces and ')': parse after the last ')'.
  auto rp = text->rfind(')');
  if (rp == std::string::npos) return 0;
  const char* p = text->c_str() + rp + 2;
  char state = *p;
  if (state == 'Z' || state == 'X') return 0;
  // Fields from 3 (state) on; starttime is field 22.
  int field = 3;
  while (*p && field < 22) {
    if (*p == ' ') ++field;
    ++p;
  }
  return std::strtoull(p, nullptr, 10);
}

static bool Frozen(const ContainerRecord& r) { return r.has_cgroup && cgroup::IsFrozen(r.cgroup); }

spec::Status CurrentStatus(const ContainerRecord& r) {
  if (r.pid <= 0) return spec::Status::kStopped;
  uint64_t st = PidStartTime(r.pid);
  if (st == 0 || (r.pid_start_time != 0 && st != r.pid_start_time)) return spec::Status::kStopped;
  // Frozen first: a created container can be paused too (as with runc).
  if (Frozen(r)) return spec::Status::kPaused;
  struct stat sb;
  if (!r.dir.empty() && ::lstat(FifoPath(r.dir).c_str(), &sb) == 0) return spec::Status::kCreated;
  return spec::Status::kRunning;
}

spec::State ToState(const ContainerRecord& r) {
  spec::State s;
  s.oci_version = r.oci_version;
  s.id = r.id;
  s.status = CurrentStatus(r);
  s.pid = s.status == spec::Status::kStopped ? 0 : r.pid;
  s.bundle = r.bundle;
  s.annotations = r.annotations;
  return s;
}

Result<UniqueFd> LockContainer(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return FailErrno("open {}", dir);
  if (::flock(fd.get(), LOCK_EX) != 0) return FailErrno("lock {}", dir);
  return fd;
}

}  // namespace berth::runtime
