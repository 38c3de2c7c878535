#include "engine/volume_service.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <set>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/fs.h"
#include "base/log.h"
#include "engine/container_names.h"
#include "engine/host_storage.h"

namespace berth::engine {
namespace {

// The local driver's mount: `o` split into mount flags and the rest, which
// goes to the filesystem as its data ("size=10m").
struct LocalMount {
  std::string type, device, data;
  unsigned long flags = 0;
};

LocalMount LocalMountOf(const VolumeRecord& v) {
  LocalMount m;
  auto get = [&](const char* k) {
    auto it = v.options.find(k);
    return it == v.options.end() ? std::string() : it->second;
  };
  m.type = get("type");
  m.device = get("device");
  static const std::map<std::string, unsigned long> kFlags = {
      {"ro", MS_RDONLY},      {"rw", 0},
      {"bind", MS_BIND},      {"rbind", MS_BIND | MS_REC},
      {"nosuid", MS_NOSUID},  {"nodev", MS_NODEV},
      {"noexec", MS_NOEXEC},  {"sync", MS_SYNCHRONOUS},
      {"noatime", MS_NOATIME}};
  std::string o = get("o");
  size_t start = 0;
  while (start <= o.size() && !o.empty()) {
    size_t comma = o.find(',', start);
    std::string opt = o.substr(start, comma - start);
    if (auto it = kFlags.find(opt); it != kFlags.end()) {
      m.flags |= it->second;
    } else if (!opt.empty()) {
      m.data += (m.data.empty() ? "" : ",") + opt;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return m;
}

// True when `path` is the root of a mount (statx's STATX_ATTR_MOUNT_ROOT).
bool IsMountRoot(const std::string& path) {
  struct statx stx {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) != 0)
    return false;
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
         (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

// nftw takes no closure: one walk at a time adds into this.
std::mutex g_size_mu;
int64_t g_size_bytes = 0;
std::set<std::pair<dev_t, ino_t>>* g_size_seen = nullptr;
int AddSize(const char*, const struct stat* st, int type, FTW*) {
  if (type == FTW_F && g_size_seen->insert({st->st_dev, st->st_ino}).second)
    g_size_bytes += st->st_size;
  return 0;
}

}  // namespace

Result<std::unique_ptr<VolumeService>> VolumeService::Open(std::shared_ptr<image::SqliteDb> db,
                                                           const std::string& data_root) {
  VolumeStore store = TRY(VolumeStore::Open(std::move(db)));
  std::string dir = data_root + "/volumes";
  TRY(MkdirAll(dir, 0701));
  return std::unique_ptr<VolumeService>(new VolumeService(std::move(store), dir));
}

void VolumeService::SetUsers(std::function<Result<VolumeUsers>()> users) {
  users_ = std::move(users);
}

Result<VolumeUsers> VolumeService::Users() {
  if (!users_) return VolumeUsers{};
  return users_();
}

std::string VolumeService::DataDir(const std::string& name) const {
  return dir_ + "/" + name + "/_data";
}

Status VolumeService::MakeVolumeDir(const std::string& name) {
  // volumes/<name> is root's alone; _data is what containers see.
  std::string vdir = dir_ + "/" + name;
  if (::mkdir(vdir.c_str(), 0701) != 0 && errno != EEXIST)
    return FailErrno("create volume {}: mkdir {}", name, vdir);
  std::string data = vdir + "/_data";
  if (::mkdir(data.c_str(), 0755) != 0 && errno != EEXIST)
    return FailErrno("create volume {}: mkdir {}", name, data);
  return Ok();
}

Result<VolumeRecord> VolumeService::Create(const VolumeCreateRequest& req) {
  std::lock_guard lock(mu_);
  VolumeRecord rec;
  rec.name = req.name;
  rec.anonymous = req.anonymous || req.name.empty();
  if (rec.name.empty()) rec.name = TRY(NewRandomId());
  TRY(CheckVolumeName(rec.name));
  if (!req.driver.empty() && req.driver != "local")
    return FailAs(EINVAL, "create {}: error looking up volume plugin {}: plugin {:?} not found",
                  rec.name, req.driver, req.driver);
  if (auto existing = TRY(store_.Get(rec.name))) return *existing;
  for (const auto& [k, v] : req.options)
    if (k != "type" && k != "device" && k != "o")
      return FailAs(EINVAL, "create {}: invalid option: {:?}", rec.name, k);
  if (req.options.count("o") && !req.options.count("type") && !req.options.count("device"))
    return FailAs(EINVAL, "create {}: missing required option: \"device\"", rec.name);
  rec.options = req.options;
  rec.labels = req.labels;
  rec.created = NowRfc3339Nano();
  if (auto dot = rec.created.find('.'); dot != std::string::npos)
    rec.created =
        rec.created.substr(0, dot) + rec.created.substr(rec.created.find_first_of("Z+-", dot));
  // The directory first, then the record: a crash between leaves a
  // directory without a record, never a record without its directory.
  TRY(MakeVolumeDir(rec.name));
  if (auto s = store_.Create(rec); !s) {
    (void)RemoveAll(dir_ + "/" + rec.name);
    return std::unexpected(s.error());
  }
  return rec;
}

Result<VolumeRecord> VolumeService::Get(const std::string& name) {
  auto rec = TRY(store_.Get(name));
  if (!rec) return FailAs(ENOENT, "get {}: no such volume", name);
  return *rec;
}

Result<std::vector<VolumeRecord>> VolumeService::List() { return store_.List(); }

Status VolumeService::RemoveLocked(const VolumeRecord& rec, const VolumeUsers& users) {
  if (auto it = users.find(rec.name); it != users.end() && !it->second.empty()) {
    std::string ids;
    for (const VolumeUser& u : it->second) ids += (ids.empty() ? "" : " ") + u.container_id;
    return FailAs(EBUSY, "remove {}: volume is in use - [{}]", rec.name, ids);
  }
  // The record first: from then on the volume does not exist, and its
  // directory is a leftover.
  TRY(store_.Delete(rec.name));
  std::string data = DataDir(rec.name);
  if (IsMountRoot(data)) (void)::umount2(data.c_str(), MNT_DETACH);
  if (auto s = RemoveAll(dir_ + "/" + rec.name); !s)
    log::Warn("remove volume {}: {}", rec.name, s.error().What());
  return Ok();
}

Status VolumeService::Remove(const std::string& name, bool force) {
  std::lock_guard lock(mu_);
  auto rec = TRY(store_.Get(name));
  if (!rec) {
    if (force) return Ok();
    return FailAs(ENOENT, "get {}: no such volume", name);
  }
  VolumeUsers users = TRY(Users());
  return RemoveLocked(*rec, users);
}

Result<std::pair<std::vector<std::string>, int64_t>> VolumeService::Prune(
    const std::function<bool(const VolumeRecord&)>& matches) {
  std::lock_guard lock(mu_);
  VolumeUsers users = TRY(Users());
  std::pair<std::vector<std::string>, int64_t> out{{}, 0};
  for (const VolumeRecord& rec : TRY(store_.List())) {
    if (auto it = users.find(rec.name); it != users.end() && !it->second.empty()) continue;
    if (matches && !matches(rec)) continue;
    int64_t size = Size(rec.name);
    TRY(RemoveLocked(rec, users));
    out.first.push_back(rec.name);
    out.second += size;
  }
  return out;
}

int64_t VolumeService::Size(const std::string& name) {
  std::lock_guard lock(g_size_mu);
  std::set<std::pair<dev_t, ino_t>> seen;
  g_size_seen = &seen;
  g_size_bytes = 0;
  ::nftw(DataDir(name).c_str(), AddSize, 16, FTW_PHYS);
  g_size_seen = nullptr;
  return g_size_bytes;
}

Status VolumeService::Activate(const std::string& name) {
  std::lock_guard lock(mu_);
  VolumeRecord rec = TRY(Get(name));
  std::string data = DataDir(name);
  TRY(MakeVolumeDir(name));
  if (rec.options.empty() || IsMountRoot(data)) return Ok();
  LocalMount m = LocalMountOf(rec);
  const char* type = m.type.empty() || m.type == "none" ? nullptr : m.type.c_str();
  if (::mount(m.device.c_str(), data.c_str(), type, m.flags,
              m.data.empty() ? nullptr : m.data.c_str()) != 0)
    return FailErrno(
        "error while mounting volume '{}': failed to mount local volume: mount {}:{}, "
        "data: {}",
        data, m.device, data, m.data);
  return Ok();
}

void VolumeService::Release(const std::string& name, const std::string& leaving) {
  std::lock_guard lock(mu_);
  std::string data = DataDir(name);
  if (!IsMountRoot(data)) return;
  auto users = Users();
  if (!users) return;
  if (auto it = users->find(name); it != users->end())
    for (const VolumeUser& u : it->second)
      if (u.running && u.container_id != leaving) return;
  (void)::umount2(data.c_str(), MNT_DETACH);
}

}  // namespace berth::engine
