#include "image/snapshotter.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include <cstdlib>

#include "base/fs.h"
#include "image/shifted_copy.h"
#include "sys/idmap.h"

namespace berth::image {

namespace {

Status FsyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) return FailErrno("fsync {}", dir);
  return Ok();
}

bool ValidKey(const std::string& key) {
  if (key.empty() || key.size() > 128 || key == "." || key == "..") return false;
  for (char c : key)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) return false;
  return true;
}

// One overlay mount through the new mount API. Lower directories are added
// one per fsconfig call, which has no length limit; kernels before 6.8 do
// not know "lowerdir+" and get the whole list in one string instead.
// With `lower_fds` (one per lower, idmapped mounts), the lowers are given
// by fd (Linux 6.13+), and a kernel that refuses fails with EINVAL.
Status MountOverlay(const std::vector<std::string>& lowers, const std::string& upper,
                    const std::string& work, const std::string& target,
                    const std::vector<UniqueFd>* lower_fds = nullptr) {
  UniqueFd fs(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fs) return FailErrno("overlay mount at {}: fsopen", target);
  auto set = [&](const char* key, const std::string& value) {
    return ::fsconfig(fs.get(), FSCONFIG_SET_STRING, key, value.c_str(), 0);
  };
  bool plus = true;
  if (lower_fds) {
    for (size_t i = 0; i < lower_fds->size(); i++)
      if (::fsconfig(fs.get(), FSCONFIG_SET_FD, "lowerdir+", nullptr, (*lower_fds)[i].get()) != 0)
        return FailErrno("overlay mount at {}: idmapped lower dir {}", target, lowers[i]);
  } else {
    for (const auto& l : lowers) {
      if (set("lowerdir+", l) != 0) {
        if (errno != EINVAL || &l != &lowers.front())
          return FailErrno("overlay mount at {}: lower dir {}", target, l);
        plus = false;
        break;
      }
    }
  }
  if (!plus) {
    std::string joined;
    for (const auto& l : lowers) joined += (joined.empty() ? "" : ":") + l;
    if (set("lowerdir", joined) != 0)
      return FailErrno("overlay mount at {}: {} lower dirs", target, lowers.size());
  }
  if (!upper.empty()) {
    if (set("upperdir", upper) != 0) return FailErrno("overlay mount at {}: upperdir", target);
    if (set("workdir", work) != 0) return FailErrno("overlay mount at {}: workdir", target);
  }
  // index=off: no hard-link index, which would tie the upper dir to this
  // exact set of lowers; docker mounts the same way.
  ::fsconfig(fs.get(), FSCONFIG_SET_STRING, "index", "off", 0);
  if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    return FailErrno("overlay mount at {}", target);
  UniqueFd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC, upper.empty() ? MOUNT_ATTR_RDONLY : 0));
  if (!mnt) return FailErrno("overlay mount at {}: fsmount", target);
  if (::move_mount(mnt.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    return FailErrno("overlay mount at {}", target);
  return Ok();
}

}  // namespace

Digest ChainId(std::span<const Digest> diff_ids) {
  if (diff_ids.empty()) return {};
  Digest chain = diff_ids[0];
  for (size_t i = 1; i < diff_ids.size(); i++)
    chain = Sha256Of(chain.String() + " " + diff_ids[i].String());
  return chain;
}

Result<Snapshotter> Snapshotter::Open(const std::string& root) {
  for (const char* sub : {"", "/layers", "/active", "/staging"})
    TRY_CTX(MkdirAll(root + sub, 0700), "snapshots");
  // A staging dir is a layer whose unpack never finished: a crash or kill
  // in the middle of a pull. Nothing refers to it.
  if (DIR* d = ::opendir((root + "/staging").c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") TRY(RemoveAll(root + "/staging/" + name));
    }
    ::closedir(d);
  }
  return Snapshotter(root);
}

std::string Snapshotter::LayerPath(const Digest& chain_id) const {
  return root_ + "/layers/" + chain_id.hex;
}

bool Snapshotter::HasLayer(const Digest& chain_id) const {
  struct stat st;
  return ::stat((LayerPath(chain_id) + "/fs").c_str(), &st) == 0;
}

Result<LayerStaging> Snapshotter::PrepareLayer() {
  std::string tmpl = root_ + "/staging/XXXXXX";
  if (!::mkdtemp(tmpl.data())) return FailErrno("snapshots: create a staging dir");
  LayerStaging s;
  s.path = tmpl;
  s.dir = tmpl + "/fs";
  if (::mkdir(s.dir.c_str(), 0755) != 0) return FailErrno("snapshots: mkdir {}", s.dir);
  s.dirfd.Reset(::open(s.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!s.dirfd) return FailErrno("snapshots: open {}", s.dir);
  return s;
}

Status Snapshotter::CommitLayer(LayerStaging staging, const Digest& chain_id, const Digest* parent,
                                int64_t size) {
  staging.dirfd.Reset();
  TRY(WriteFileAtomic(staging.path + "/parent", parent ? parent->String() : "", 0600));
  TRY(WriteFileAtomic(staging.path + "/size", std::to_string(size), 0600));
  // The unpacked files must be on disk before the rename makes the layer
  // visible: syncfs covers the whole tree at once.
  if (UniqueFd fd(::open(staging.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); fd)
    ::syncfs(fd.get());
  std::string dest = LayerPath(chain_id);
  if (::rename(staging.path.c_str(), dest.c_str()) != 0) {
    int e = errno;
    if (e == EEXIST || e == ENOTEMPTY) {  // committed by a concurrent pull
      AbortLayer(std::move(staging));
      return Ok();
    }
    AbortLayer(std::move(staging));
    return FailCode(e, "snapshots: commit layer {}", chain_id.String());
  }
  return FsyncDir(root_ + "/layers");
}

void Snapshotter::AbortLayer(LayerStaging staging) {
  staging.dirfd.Reset();
  (void)RemoveAll(staging.path);
}

int64_t Snapshotter::LayerSize(const Digest& chain_id) const {
  auto s = ReadFile(LayerPath(chain_id) + "/size");
  return s ? std::strtoll(s->c_str(), nullptr, 10) : 0;
}

Result<std::vector<Digest>> Snapshotter::Ancestry(const Digest& chain_id) const {
  std::vector<Digest> chain;
  Digest cur = chain_id;
  // A chain deeper than this is a loop in corrupt parent files.
  for (int depth = 0; depth < 4096; depth++) {
    if (!HasLayer(cur)) return FailAs(ENOENT, "snapshots: layer {} does not exist", cur.String());
    chain.push_back(cur);
    auto parent = TRY(ReadFile(LayerPath(cur) + "/parent"));
    if (parent.empty()) return chain;
    cur = TRY_CTX(ParseDigest(parent), "snapshots: layer {} parent", cur.String());
  }
  return Fail("snapshots: layer {}: parent chain too deep", chain_id.String());
}

Result<std::vector<std::string>> Snapshotter::LowerDirs(const Digest& chain_id) const {
  std::vector<std::string> dirs;
  for (const Digest& d : TRY(Ancestry(chain_id))) dirs.push_back(LayerPath(d) + "/fs");
  return dirs;
}

Status Snapshotter::RemoveLayer(const Digest& chain_id) {
  std::string path = LayerPath(chain_id);
  // Rename away first so that a crash mid-removal never leaves a partial
  // layer that HasLayer would take for a whole one.
  std::string tmpl = root_ + "/staging/rm-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return FailErrno("snapshots: remove layer {}", chain_id.String());
  if (::rename(path.c_str(), (tmpl + "/l").c_str()) != 0) {
    int e = errno;
    ::rmdir(tmpl.c_str());
    if (e == ENOENT) return Ok();
    return FailCode(e, "snapshots: remove layer {}", chain_id.String());
  }
  return RemoveAll(tmpl);
}

Result<std::vector<Digest>> Snapshotter::Layers() const {
  std::vector<Digest> out;
  DIR* d = ::opendir((root_ + "/layers").c_str());
  if (!d) return FailErrno("snapshots: list {}/layers", root_);
  while (dirent* e = ::readdir(d)) {
    auto dg = ParseDigest(std::string("sha256:") + e->d_name);
    if (dg) out.push_back(*dg);
  }
  ::closedir(d);
  return out;
}

std::string Snapshotter::UpperDir(const std::string& key) const {
  return root_ + "/active/" + key + "/upper";
}

Status Snapshotter::CreateActive(const std::string& key) {
  if (!ValidKey(key)) return Fail("snapshots: invalid key {:?}", key);
  std::string base = root_ + "/active/" + key;
  if (::mkdir(base.c_str(), 0700) != 0) return FailErrno("snapshots: create {}", key);
  if (::mkdir((base + "/upper").c_str(), 0755) != 0 || ::mkdir((base + "/work").c_str(), 0700)) {
    int e = errno;
    (void)RemoveAll(base);
    return FailCode(e, "snapshots: create {}", key);
  }
  return Ok();
}

Status Snapshotter::MountActive(const std::string& key, const Digest& chain_id,
                                const std::string& target) {
  if (!ValidKey(key)) return Fail("snapshots: invalid key {:?}", key);
  auto lowers = TRY(LowerDirs(chain_id));
  std::string base = root_ + "/active/" + key;
  return MountOverlay(lowers, base + "/upper", base + "/work", target);
}

Status Snapshotter::MountActiveRemapped(const std::string& key, const Digest& chain_id,
                                        const std::string& target,
                                        const std::vector<spec::IdMapping>& uids,
                                        const std::vector<spec::IdMapping>& gids) {
  if (!ValidKey(key)) return Fail("snapshots: invalid key {:?}", key);
  auto lowers = TRY(LowerDirs(chain_id));
  std::string base = root_ + "/active/" + key;
  std::string upper = base + "/upper", work = base + "/work";
  // The upper dir's root is the container's "/": its root must own it.
  // Only the top directory: what the container wrote is already its own.
  if (::chown(upper.c_str(), ShiftId(uids, 0), ShiftId(gids, 0)) != 0)
    return FailErrno("snapshots: {}: give the upper dir to the remapped root", key);

  // Idmapped lowers: one short-lived user namespace carries the maps, each
  // layer is bound through it (detached, so nothing is attached anywhere
  // but the overlay) and handed to overlayfs by fd.
  auto idmapped = [&]() -> Status {
    if (std::getenv("BERTH_TEST_NO_IDMAP")) return FailCode(EINVAL, "idmapped mounts disabled");
    std::string uid_map, gid_map;
    for (const auto& m : uids)
      uid_map += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
    for (const auto& m : gids)
      gid_map += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
    UniqueFd userns = TRY(sys::MakeIdmapUserns(uid_map, gid_map));
    std::vector<UniqueFd> fds;
    for (const auto& l : lowers) fds.push_back(TRY(sys::OpenIdmappedDir(l, userns.get())));
    return MountOverlay(lowers, upper, work, target, &fds);
  };
  Status st = idmapped();
  if (st) return Ok();
  int e = st.error().code();
  if (e != EINVAL && e != EPERM && e != ENOSYS && e != EOPNOTSUPP) return st;

  // The fallback: the kernel cannot idmap these layers (or overlayfs will
  // not take idmapped ones), so this container gets copies with shifted
  // owners, made once (a "complete" file marks a whole set) and removed
  // with the container. The shared layers are never chowned.
  std::string copies = base + "/lowers";
  struct stat done;
  if (::stat((copies + "/complete").c_str(), &done) != 0) {
    TRY(RemoveAll(copies));
    if (::mkdir(copies.c_str(), 0700) != 0) return FailErrno("snapshots: {}: mkdir lowers", key);
    for (size_t i = 0; i < lowers.size(); i++) {
      auto s = CopyTreeShifted(lowers[i], copies + "/" + std::to_string(i), uids, gids);
      if (!s) {
        (void)RemoveAll(copies);
        return std::unexpected(std::move(s).error().Context(
            fmt::format("snapshots: {}: copy the layers for the remapped root", key)));
      }
    }
    TRY(WriteFileAtomic(copies + "/complete", "", 0600));
  }
  std::vector<std::string> copied;
  for (size_t i = 0; i < lowers.size(); i++) copied.push_back(copies + "/" + std::to_string(i));
  return MountOverlay(copied, upper, work, target);
}

Status Snapshotter::MountReadOnly(const Digest& chain_id, const std::string& target) {
  auto lowers = TRY(LowerDirs(chain_id));
  return MountOverlay(lowers, "", "", target);
}

Status Snapshotter::RemoveActive(const std::string& key) {
  if (!ValidKey(key)) return Fail("snapshots: invalid key {:?}", key);
  return RemoveAll(root_ + "/active/" + key);
}

}  // namespace berth::image
