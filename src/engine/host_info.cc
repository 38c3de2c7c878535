#include "engine/host_info.h"

#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/magic.h>

#include "base/fs.h"

namespace berth::engine {

namespace {

std::string OsReleaseField(const std::string& text, const std::string& key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.starts_with(key + "=")) continue;
    std::string v = line.substr(key.size() + 1);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
    return v;
  }
  return "";
}

}  // namespace

HostInfo ReadHostInfo() {
  HostInfo h;
  struct utsname u {};
  if (::uname(&u) == 0) {
    h.hostname = u.nodename;
    h.kernel_version = u.release;
    h.architecture = u.machine;
  }
  h.ncpu = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  struct sysinfo si {};
  if (::sysinfo(&si) == 0) h.mem_total = static_cast<int64_t>(si.totalram) * si.mem_unit;
  auto osr = ReadFile("/etc/os-release");
  if (osr) {
    h.operating_system = OsReleaseField(*osr, "PRETTY_NAME");
    h.os_version = OsReleaseField(*osr, "VERSION_ID");
  }
  struct statfs fs {};
  h.cgroup_version =
      ::statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC ? "2" : "1";
  return h;
}

}  // namespace berth::engine
