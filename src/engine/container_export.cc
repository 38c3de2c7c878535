// docker diff and docker export: the container's writable layer compared
// with its image's layers, and its merged root filesystem as a tar. A
// stopped container's root is mounted for the export alone, with the
// container's operations held off meanwhile.
#include <fcntl.h>
#include <sys/mount.h>

#include "base/unique_fd.h"
#include "engine/container_live.h"
#include "engine/container_service.h"
#include "engine/tree_tar.h"

namespace berth::engine {

namespace {

// What the engine itself puts in every container's root (mount points
// and the files it bind-mounts): docker keeps these in a separate "init"
// layer, so its diff never shows them.
bool IsInitPath(const std::string& p) {
  static const char* const kInit[] = {
      "/dev", "/dev/pts",      "/dev/shm",   "/dev/console",     "/proc",
      "/sys", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/mtab"};
  for (const char* i : kInit)
    if (p == i) return true;
  return false;
}

bool IsUnder(const std::string& p, const std::string& dir) {
  return p.size() > dir.size() && p.compare(0, dir.size(), dir) == 0 && p[dir.size()] == '/';
}

}  // namespace

Result<std::vector<Change>> ContainerService::Changes(const std::string& name_or_id) {
  ContainerRecord rec = TRY(store_.Lookup(name_or_id));
  auto image_id = TRY(image::ParseDigest(rec.image_id));
  ImageDetails image = TRY(images_.Details(image_id));
  auto all = TRY(ContainerChanges(image.layer_dirs, images_.snapshots().UpperDir(rec.id)));
  // The init paths go, and with them a directory that holds nothing else
  // that changed (the /etc overlay copied up to hold /etc/hosts).
  std::vector<Change> kept;
  for (const Change& c : all) {
    if (IsInitPath(c.path) && c.kind != kChangeDeleted) continue;
    bool init_parent = false, other_child = false;
    for (const Change& d : all) {
      if (!IsUnder(d.path, c.path)) continue;
      if (IsInitPath(d.path))
        init_parent = true;
      else
        other_child = true;
    }
    if (init_parent && !other_child && c.kind != kChangeDeleted) continue;
    kept.push_back(c);
  }
  return kept;
}

Status ContainerService::Export(const std::string& name_or_id,
                                const std::function<Status(std::string_view)>& write) {
  // Held throughout: a stopped container's root is mounted here, and a
  // start meanwhile would mount it too.
  Locked l = TRY(LockContainer(name_or_id));
  const ContainerRecord& rec = l.rec;
  std::string rootfs = BundleDir(rec.id) + "/rootfs";
  bool mounted_here = false;
  if (!IsRunning(rec.state)) {
    auto image_id = TRY(image::ParseDigest(rec.image_id));
    ImageDetails image = TRY(images_.Details(image_id));
    if (!image.record.top_chain) return FailAs(EINVAL, "image {} has no layers", rec.image_ref);
    TRY(images_.snapshots().MountActive(rec.id, *image.record.top_chain, rootfs));
    mounted_here = true;
  }
  UniqueFd dir(::open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  Status s = dir ? WriteTreeTar(dir.get(), write) : FailErrno("open {}", rootfs);
  dir.Reset();
  if (mounted_here) (void)::umount2(rootfs.c_str(), MNT_DETACH);
  if (s) Emit(rec, "export");
  return s;
}

}  // namespace berth::engine
