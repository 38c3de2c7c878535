#include "engine/host_devices.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "base/fs.h"

namespace berth::engine {
namespace {

// A device node at `path` as the spec describes it; ENOTBLK ("not a
// device node") for anything else, errno of lstat when it cannot be read.
Result<spec::Device> DeviceAt(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return FailErrno("{}", path);
  spec::Device d;
  if (S_ISCHR(st.st_mode))
    d.type = "c";
  else if (S_ISBLK(st.st_mode))
    d.type = "b";
  else
    return FailAs(ENOTBLK, "{}: not a device node", path);
  d.path = path;
  d.major = major(st.st_rdev);
  d.minor = minor(st.st_rdev);
  d.file_mode = st.st_mode & 07777;
  d.uid = st.st_uid;
  d.gid = st.st_gid;
  return d;
}

spec::DeviceRule AllowRule(const spec::Device& d, const std::string& access) {
  spec::DeviceRule r;
  r.allow = true;
  r.type = d.type;
  r.major = d.major;
  r.minor = d.minor;
  r.access = access;
  return r;
}

// Every device below `dir`, depth first; unreadable entries are skipped
// (docker ignores them too).
void WalkDevices(const std::string& dir, std::vector<spec::Device>* out, bool skip_special) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) {
    std::string path = dir + "/" + n;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (skip_special && (n == "pts" || n == "shm" || n == "fd" || n == "mqueue" || n == ".lxc" ||
                           n == ".lxd-mounts" || n == ".udev"))
        continue;
      WalkDevices(path, out, skip_special);
      continue;
    }
    if (skip_special && (n == "console" || n == "ptmx")) continue;
    if (auto dev = DeviceAt(path)) out->push_back(std::move(*dev));
  }
}

}  // namespace

bool ValidDeviceMode(std::string_view mode) {
  if (mode.empty()) return false;
  bool seen[3] = {false, false, false};
  for (char c : mode) {
    size_t i = c == 'r' ? 0 : c == 'w' ? 1 : c == 'm' ? 2 : 3;
    if (i == 3 || seen[i]) return false;
    seen[i] = true;
  }
  return true;
}

Status CheckDeviceMapping(const DeviceMapping& d) {
  if (d.path_on_host.empty()) return FailAs(EINVAL, "device mapping: PathOnHost is empty");
  std::string dst = d.path_in_container.empty() ? d.path_on_host : d.path_in_container;
  if (dst[0] != '/') return FailAs(EINVAL, "{} is not an absolute path", dst);
  if (!d.cgroup_permissions.empty() && !ValidDeviceMode(d.cgroup_permissions))
    return FailAs(EINVAL, "bad mode specified: {}", d.cgroup_permissions);
  return Ok();
}

Result<ContainerDevices> DevicesForMapping(const DeviceMapping& m) {
  ContainerDevices out;
  std::string access = m.cgroup_permissions.empty() ? "rwm" : m.cgroup_permissions;
  std::string dst = CleanPath(m.path_in_container.empty() ? m.path_on_host : m.path_in_container);
  // A link on the host (/dev/disk/by-id/...) stands for the node it names.
  std::string host = m.path_on_host;
  struct stat lst {};
  if (::lstat(host.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
    if (char* real = ::realpath(host.c_str(), nullptr)) {
      host = real;
      std::free(real);
    }
  }
  auto dev = DeviceAt(host);
  if (dev) {
    dev->path = dst;
    out.rules.push_back(AllowRule(*dev, access));
    out.nodes.push_back(std::move(*dev));
    return out;
  }
  // A directory: every device below it, at the same place under `dst`.
  struct stat st {};
  if (dev.error().code() == ENOTBLK && ::stat(host.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    std::vector<spec::Device> found;
    WalkDevices(host, &found, /*skip_special=*/false);
    for (spec::Device& d : found) {
      d.path = CleanPath(dst + "/" + d.path.substr(host.size()));
      out.rules.push_back(AllowRule(d, access));
      out.nodes.push_back(std::move(d));
    }
    if (!out.nodes.empty()) return out;
  }
  // Go's wording of the errno, as docker prints it ("no such file or
  // directory"); EINVAL for all: it is the request that is wrong.
  int code = dev.error().code();
  std::string cause = code == ENOTBLK ? "not a device node" : std::strerror(code);
  if (!cause.empty())
    cause[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(cause[0])));
  return FailAs(EINVAL, "error gathering device information while adding custom device \"{}\": {}",
                m.path_on_host, cause);
}

std::vector<spec::Device> HostDevices(const std::string& dev) {
  std::vector<spec::Device> out;
  WalkDevices(dev, &out, /*skip_special=*/true);
  return out;
}

Result<spec::DeviceRule> ParseDeviceCgroupRule(std::string_view rule) {
  auto bad = [&] { return FailAs(EINVAL, "invalid device cgroup rule format: '{}'", rule); };
  // TYPE MAJOR:MINOR ACCESS, single spaces, as docker's pattern
  // ^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$.
  if (rule.size() < 7 || rule[1] != ' ') return bad();
  spec::DeviceRule r;
  r.allow = true;
  char type = rule[0];
  if (type != 'a' && type != 'c' && type != 'b') return bad();
  r.type = std::string(1, type);
  std::string_view rest = rule.substr(2);
  size_t space = rest.find(' ');
  if (space == std::string_view::npos) return bad();
  std::string_view numbers = rest.substr(0, space);
  std::string_view access = rest.substr(space + 1);
  size_t colon = numbers.find(':');
  if (colon == std::string_view::npos) return bad();
  auto number = [&](std::string_view s, std::optional<int64_t>* v) -> bool {
    if (s == "*") return true;
    if (s.empty()) return false;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size() || n < 0) return false;
    *v = n;
    return true;
  };
  if (!number(numbers.substr(0, colon), &r.major) || !number(numbers.substr(colon + 1), &r.minor))
    return bad();
  if (access.size() > 3 || !ValidDeviceMode(access)) return bad();
  r.access = std::string(access);
  return r;
}

}  // namespace berth::engine
