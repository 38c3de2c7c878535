#include "engine/container_user.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include <charconv>

#include "base/unique_fd.h"
#include "sys/syscalls.h"

namespace berth::engine {
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t i = s.find(sep, start);
    out.push_back(s.substr(start, i == std::string_view::npos ? i : i - start));
    if (i == std::string_view::npos) break;
    start = i + 1;
  }
  return out;
}

bool ParseId(std::string_view s, uint32_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// The entries of a colon-separated file with at least `fields` fields;
// comments and short lines are skipped, as libc does.
std::vector<std::vector<std::string_view>> Entries(std::string_view text, size_t fields) {
  std::vector<std::vector<std::string_view>> out;
  for (std::string_view line : Split(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto f = Split(line, ':');
    if (f.size() >= fields) out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Result<ResolvedUser> ResolveUser(std::string_view spec, std::string_view passwd,
                                 std::string_view group) {
  ResolvedUser r;
  std::string_view user = spec, grp;
  bool has_group = false;
  if (size_t colon = spec.find(':'); colon != std::string_view::npos) {
    user = spec.substr(0, colon);
    grp = spec.substr(colon + 1);
    has_group = true;
  }
  if (user.empty()) user = "0";

  // The user: by name or by number in passwd (name:pw:uid:gid:gecos:home:shell).
  uint32_t num = 0;
  bool numeric = ParseId(user, &num);
  bool found = false;
  std::string name;
  for (const auto& f : Entries(passwd, 7)) {
    uint32_t uid = 0, gid = 0;
    if (!ParseId(f[2], &uid) || !ParseId(f[3], &gid)) continue;
    if (numeric ? uid != num : f[0] != user) continue;
    r.uid = uid;
    r.gid = gid;
    r.home = f[5].empty() ? "/" : std::string(f[5]);
    name = f[0];
    found = true;
    break;
  }
  if (!found) {
    if (!numeric) return Fail("unable to find user {}: no matching entries in passwd file", user);
    r.uid = num;
  }

  if (has_group) {
    // An explicit group replaces the primary group, and no additional
    // groups are looked up: they only make sense for the implicit form.
    uint32_t gnum = 0;
    bool gnumeric = ParseId(grp, &gnum);
    bool gfound = false;
    for (const auto& f : Entries(group, 4)) {
      uint32_t gid = 0;
      if (!ParseId(f[2], &gid)) continue;
      if (gnumeric ? gid != gnum : f[0] != grp) continue;
      r.gid = gid;
      gfound = true;
      break;
    }
    if (!gfound) {
      if (!gnumeric || grp.empty())
        return Fail("unable to find group {}: no matching entries in group file", grp);
      r.gid = gnum;
    }
    return r;
  }

  // Additional groups: every group (name:pw:gid:member,member) that lists
  // the user by name.
  if (!name.empty()) {
    for (const auto& f : Entries(group, 4)) {
      uint32_t gid = 0;
      if (!ParseId(f[2], &gid)) continue;
      for (std::string_view m : Split(f[3], ',')) {
        if (m == name) {
          bool dup = gid == r.gid;
          for (uint32_t g : r.additional_gids) dup = dup || g == gid;
          if (!dup) r.additional_gids.push_back(gid);
          break;
        }
      }
    }
  }
  return r;
}

Result<std::string> ReadFileInRoot(const std::string& rootfs, const std::string& path) {
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return FailErrno("open {}", rootfs);
  std::string rel = path;
  while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
  UniqueFd fd(sys::OpenAt2(root.get(), rel.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY,
                           RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
  if (!fd && errno == ENOENT) return std::string();
  if (!fd) return FailErrno("open {} in {}", path, rootfs);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return FailErrno("stat {} in {}", path, rootfs);
  if (!S_ISREG(st.st_mode)) return Fail("{} in {} is not a regular file", path, rootfs);
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FailErrno("read {} in {}", path, rootfs);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (64u << 20)) return Fail("{} in {} is too large", path, rootfs);
  }
  return out;
}

Status MkdirAllInRoot(const std::string& rootfs, const std::string& path) {
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return FailErrno("open {}", rootfs);
  // Each prefix is resolved anew inside the root, and only a plain name is
  // created in the directory its parent resolved to.
  std::string prefix;
  UniqueFd parent(::fcntl(root.get(), F_DUPFD_CLOEXEC, 0));
  if (!parent) return FailErrno("dup {}", rootfs);
  for (std::string_view comp : Split(path, '/')) {
    if (comp.empty() || comp == ".") continue;
    prefix += "/";
    prefix += comp;
    std::string rel = prefix.substr(1);
    uint64_t resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(sys::OpenAt2(root.get(), rel.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC, resolve));
    if (!fd && errno == ENOENT && comp != "..") {
      if (::mkdirat(parent.get(), std::string(comp).c_str(), 0755) != 0 && errno != EEXIST)
        return FailErrno("mkdir {} in {}", prefix, rootfs);
      fd = UniqueFd(
          sys::OpenAt2(root.get(), rel.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC, resolve));
    }
    if (!fd) return FailErrno("open {} in {}", prefix, rootfs);
    parent = std::move(fd);
  }
  return Ok();
}

}  // namespace berth::engine
