#include "engine/userns_remap.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "base/fs.h"
#include "base/subprocess.h"

namespace berth::engine {

namespace {

constexpr const char* kDefaultRemapUser = "dockremap";
constexpr uint32_t kDefaultRangeSize = 65536;
constexpr uint32_t kFirstRangeStart = 100000;

std::optional<uint32_t> ParseId(std::string_view s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// "name:start:count" lines; blank lines, comments and malformed lines are
// skipped, as shadow's own tools skip them.
struct SubidLine {
  std::string name;
  SubordinateRange range;
};
std::vector<SubidLine> ParseSubidFile(const std::string& text) {
  std::vector<SubidLine> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t c1 = line.find(':'), c2 = c1 == std::string::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string::npos) continue;
    auto start = ParseId(line.substr(c1 + 1, c2 - c1 - 1));
    auto count = ParseId(line.substr(c2 + 1));
    if (!start || !count || *count == 0) continue;
    out.push_back({std::string(line.substr(0, c1)), {*start, *count}});
  }
  return out;
}

Result<std::string> ReadOptional(const std::string& path) {
  auto text = ReadFile(path);
  if (!text && text.error().code() == ENOENT) return std::string();
  return text;
}

// Appends a range line for `name` to a subuid/subgid file unless it has one.
Status EnsureRange(const std::string& path, const std::string& name) {
  std::string text = TRY(ReadOptional(path));
  if (FirstSubordinateRange(text, name, UINT32_MAX)) return Ok();
  uint32_t start = NextFreeRange(text, kDefaultRangeSize);
  std::string line = fmt::format("{}{}:{}:{}\n", text.empty() || text.back() == '\n' ? "" : "\n",
                                 name, start, kDefaultRangeSize);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd || ::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
      ::fsync(fd.get()) != 0)
    return FailErrno("add a range for {} to {}", name, path);
  return Ok();
}

// dockerd's "default": the system user dockremap (its own group too, as
// useradd makes one), created only when missing.
Status EnsureDefaultRemapUser(const AccountFiles& files) {
  if (!::getpwnam(kDefaultRemapUser)) {
    auto r = RunProgram("useradd", {"--system", "--shell", "/bin/false", "--user-group",
                                    "--no-create-home", kDefaultRemapUser});
    if (!r) return std::unexpected(std::move(r).error().Context("create the user dockremap"));
    if (r->exit_status != 0 && !::getpwnam(kDefaultRemapUser))
      return Fail("create the user dockremap: useradd: {}", r->err);
  }
  TRY(EnsureRange(files.subuid, kDefaultRemapUser));
  TRY(EnsureRange(files.subgid, kDefaultRemapUser));
  return Ok();
}

}  // namespace

std::vector<spec::IdMapping> UsernsRemap::UidMappings() const {
  return {{.container_id = 0, .host_id = uids.start, .size = uids.size}};
}

std::vector<spec::IdMapping> UsernsRemap::GidMappings() const {
  return {{.container_id = 0, .host_id = gids.start, .size = gids.size}};
}

Result<SubordinateRange> FirstSubordinateRange(const std::string& file_text,
                                               const std::string& name, uint32_t id) {
  std::string id_text = std::to_string(id);
  for (const SubidLine& l : ParseSubidFile(file_text))
    if (l.name == name || l.name == id_text) return l.range;
  return FailAs(ENOENT, "no range for {}", name);
}

uint32_t NextFreeRange(const std::string& file_text, uint32_t size) {
  std::vector<SubidLine> lines = ParseSubidFile(file_text);
  std::sort(lines.begin(), lines.end(),
            [](const SubidLine& a, const SubidLine& b) { return a.range.start < b.range.start; });
  uint64_t candidate = kFirstRangeStart;
  for (const SubidLine& l : lines) {
    uint64_t end = uint64_t{l.range.start} + l.range.size;
    if (end <= candidate) continue;                // wholly below
    if (candidate + size <= l.range.start) break;  // the gap before it fits
    candidate = end;                               // overlaps: go past it
  }
  return static_cast<uint32_t>(candidate);
}

Result<UsernsRemap> ResolveUsernsRemap(const std::string& setting, const AccountFiles& files) {
  UsernsRemap r;
  r.setting = setting;
  if (setting.empty()) return r;
  auto fail = [&](const std::string& why) -> std::unexpected<Error> {
    return FailAs(EINVAL, "userns-remap {:?}: {}", setting, why);
  };

  std::string user_part = setting, group_part;
  if (size_t colon = setting.find(':'); colon != std::string::npos) {
    user_part = setting.substr(0, colon);
    group_part = setting.substr(colon + 1);
    if (user_part.empty() || group_part.empty() || group_part.find(':') != std::string::npos)
      return fail("expected USER, USER:GROUP, UID, UID:GID or \"default\"");
  }
  if (setting == "default") {
    if (auto s = EnsureDefaultRemapUser(files); !s) return fail(s.error().What());
    user_part = group_part = kDefaultRemapUser;
  }

  // The user: by name or by uid; its name is what the subuid file lists.
  uint32_t uid = UINT32_MAX;
  if (auto n = ParseId(user_part)) {
    uid = *n;
    const passwd* pw = ::getpwuid(uid);
    if (!pw) return fail(fmt::format("uid {} has no entry in the user database", uid));
    r.user = pw->pw_name;
  } else {
    const passwd* pw = ::getpwnam(user_part.c_str());
    if (!pw) return fail(fmt::format("user {} does not exist", user_part));
    r.user = pw->pw_name;
    uid = pw->pw_uid;
  }
  // The group: given, else the user's name (dockerd looks the subgid
  // ranges up under it).
  uint32_t gid = UINT32_MAX;
  if (group_part.empty()) {
    r.group = r.user;
  } else if (auto n = ParseId(group_part)) {
    gid = *n;
    const group* gr = ::getgrgid(gid);
    r.group = gr ? gr->gr_name : group_part;
  } else {
    const group* gr = ::getgrnam(group_part.c_str());
    if (!gr) return fail(fmt::format("group {} does not exist", group_part));
    r.group = gr->gr_name;
    gid = gr->gr_gid;
  }

  auto subuid = ReadOptional(files.subuid);
  if (!subuid) return fail(subuid.error().What());
  auto uids = FirstSubordinateRange(*subuid, r.user, uid);
  if (!uids)
    return fail(fmt::format("no subordinate uid range for {} in {}", r.user, files.subuid));
  auto subgid = ReadOptional(files.subgid);
  if (!subgid) return fail(subgid.error().What());
  auto gids = FirstSubordinateRange(*subgid, r.group, gid);
  if (!gids)
    return fail(fmt::format("no subordinate gid range for {} in {}", r.group, files.subgid));
  r.uids = *uids;
  r.gids = *gids;
  return r;
}

Status PrepareVolumeForRemap(const std::string& dir, const UsernsRemap& remap) {
  if (!remap.enabled()) return Ok();
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) return FailErrno("volume {}", dir);
  if (!S_ISDIR(st.st_mode)) return FailAs(ENOTDIR, "volume {}: not a directory", dir);
  if (st.st_uid != 0 || st.st_gid != 0) return Ok();
  if (::chown(dir.c_str(), remap.root_uid(), remap.root_gid()) != 0)
    return FailErrno("volume {}: give it to the remapped root {}:{}", dir, remap.root_uid(),
                     remap.root_gid());
  return Ok();
}

Status CheckUsernsRemap(const UsernsRemap& remap, const HostConfig& host_config) {
  if (!RemappedFor(remap, host_config.userns_mode)) return Ok();
  // dockerd's refusals, word for word: a remapped root has no privilege
  // over the host's own namespaces, so these need --userns=host.
  if (host_config.security.privileged)
    return FailAs(EINVAL,
                  "privileged mode is incompatible with user namespaces.  You must run the "
                  "container in the host namespace when running privileged mode");
  if (host_config.network_mode.kind == NetworkMode::kHost)
    return FailAs(EINVAL,
                  "cannot share the host's network namespace when user namespaces are enabled");
  if (host_config.pid_mode.kind == NamespaceMode::kHost)
    return FailAs(EINVAL, "cannot share the host PID namespace when user namespaces are enabled");
  return Ok();
}

Status ApplyUsernsRemap(const UsernsRemap& remap, const HostConfig& host_config,
                        ContainerSpecInput& in) {
  if (!RemappedFor(remap, host_config.userns_mode)) return Ok();
  TRY(CheckUsernsRemap(remap, host_config));

  // A joined namespace's owner: "/proc/PID/ns/net" -> "/proc/PID/ns/user".
  // When that is the host's own user namespace (the other container runs
  // with --userns=host), this one still gets a namespace of its own.
  for (const std::string* joined : {&in.pid_ns_path, &in.net_ns_path, &in.ipc_ns_path}) {
    if (joined->empty()) continue;
    std::string user_ns = joined->substr(0, joined->rfind('/') + 1) + "user";
    struct stat theirs, ours;
    if (::stat(user_ns.c_str(), &theirs) != 0)
      return FailErrno("join the user namespace of {}", *joined);
    if (::stat("/proc/self/ns/user", &ours) == 0 && theirs.st_ino == ours.st_ino &&
        theirs.st_dev == ours.st_dev)
      continue;
    in.user_ns_path = user_ns;
    break;
  }
  if (in.user_ns_path.empty()) {
    in.uid_mappings = remap.UidMappings();
    in.gid_mappings = remap.GidMappings();
  }
  if (::chown(in.container_dir.c_str(), 0, remap.root_gid()) != 0 ||
      ::chmod(in.container_dir.c_str(), 0710) != 0)
    return FailErrno("container dir {}: let the remapped root reach its rootfs", in.container_dir);
  return Ok();
}

}  // namespace berth::engine
