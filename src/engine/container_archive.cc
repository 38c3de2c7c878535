// docker cp: HEAD, GET and PUT /containers/{id}/archive, done by berthd
// itself on the container's root filesystem, by fd (container_fs.h).
#include <fcntl.h>
#include <sys/mount.h>

#include "base/unique_fd.h"
#include "engine/container_live.h"
#include "engine/container_service.h"
#include "engine/container_user.h"
#include "engine/tree_tar.h"
#include "image/layer_unpack.h"

namespace berth::engine {

struct ContainerService::RootAccess {
  ContainerRecord rec;
  std::optional<Locked> lock;  // held while a stopped container's root is mounted here
  std::string mounted;         // that mount's target
  UniqueFd fd;                 // the root directory

  ~RootAccess() {
    fd.Reset();
    if (!mounted.empty()) (void)::umount2(mounted.c_str(), MNT_DETACH);
  }
};

Result<std::unique_ptr<ContainerService::RootAccess>> ContainerService::OpenRootFs(
    const std::string& name_or_id) {
  auto ra = std::make_unique<RootAccess>();
  Locked l = TRY(LockContainer(name_or_id));
  ra->rec = l.rec;
  if (IsRunning(l.rec.state) && l.rec.state.pid > 0) {
    // The container's own view of its root, mounts and volumes included.
    // The fd pins that mount tree: the container may stop meanwhile
    // without the copy ever reaching the host's files. The lock is
    // released as this returns.
    std::string proc_root = fmt::format("/proc/{}/root", l.rec.state.pid);
    ra->fd.Reset(::open(proc_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!ra->fd) return FailErrno("container {}: open its root", name_or_id);
    return ra;
  }
  // Stopped: its overlay at the bundle's rootfs for the while, held off a
  // start meanwhile (which would mount it too), as export does.
  auto image_id = TRY(image::ParseDigest(l.rec.image_id));
  ImageDetails image = TRY(images_.Details(image_id));
  if (!image.record.top_chain) return FailAs(EINVAL, "image {} has no layers", l.rec.image_ref);
  std::string rootfs = BundleDir(l.rec.id) + "/rootfs";
  TRY(images_.snapshots().MountActive(l.rec.id, *image.record.top_chain, rootfs));
  ra->mounted = rootfs;
  ra->lock.emplace(std::move(l));
  ra->fd.Reset(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!ra->fd) return FailErrno("container {}: open its root", name_or_id);
  return ra;
}

namespace {

// docker's words for a path that is not there, and for one a trailing "/"
// asks to be a directory when it is not.
Error PathError(Error e, const std::string& path, const std::string& container) {
  if (e.code() == ENOENT)
    return Error::Classified(
        ENOENT, fmt::format("Could not find the file {} in container {}", path, container));
  if (e.code() == ENOTDIR)
    return Error::Classified(EINVAL, fmt::format("{}: not a directory", path));
  if (e.code() == ELOOP)
    return Error::Classified(EINVAL, fmt::format("{}: too many levels of symbolic links", path));
  return std::move(e).Context(fmt::format("container {}", container));
}

}  // namespace

Result<PathStat> ContainerService::StatPath(const std::string& name_or_id,
                                            const std::string& path) {
  auto ra = TRY(OpenRootFs(name_or_id));
  CpPath p = ParseCpPath(path);
  auto t = ResolveForRead(ra->fd.get(), p);
  if (!t) return std::unexpected(PathError(std::move(t).error(), path, name_or_id));
  auto st = StatTarget(ra->fd.get(), p, *t);
  if (!st) return std::unexpected(PathError(std::move(st).error(), path, name_or_id));
  return st;
}

Status ContainerService::ArchivePath(const std::string& name_or_id, const std::string& path,
                                     const std::function<void(const PathStat&)>& on_stat,
                                     const std::function<Status(std::string_view)>& write) {
  auto ra = TRY(OpenRootFs(name_or_id));
  CpPath p = ParseCpPath(path);
  auto t = ResolveForRead(ra->fd.get(), p);
  if (!t) return std::unexpected(PathError(std::move(t).error(), path, name_or_id));
  auto st = StatTarget(ra->fd.get(), p, *t);
  if (!st) return std::unexpected(PathError(std::move(st).error(), path, name_or_id));
  on_stat(*st);
  // The archive's top entry is the name the path was asked by (docker's
  // rebase): "/etc/." gives "./passwd", a link followed by "/" keeps the
  // link's name. The root itself goes in as ".".
  std::string top = p.parts.empty() && !p.dot ? "." : p.BaseName();
  TRY(WriteEntryTar(t->dirfd.get(), t->name, top, write));
  Emit(ra->rec, "archive-path");
  return Ok();
}

Status ContainerService::ExtractToDir(const std::string& name_or_id, const std::string& path,
                                      const ExtractOptions& options, const image::ReadFn& read) {
  auto ra = TRY(OpenRootFs(name_or_id));
  const ContainerRecord& rec = ra->rec;
  auto ro = rec.host_config.find("ReadonlyRootfs");
  if (ro != rec.host_config.end() && ro->is_boolean() && ro->get<bool>() && !ra->mounted.empty())
    return FailAs(EINVAL, "container rootfs is marked read-only");
  CpPath p = ParseCpPath(path);
  auto dir = OpenDirForWrite(ra->fd.get(), p);
  if (!dir) {
    if (dir.error().code() == ENOTDIR) return FailAs(EINVAL, "extraction point is not a directory");
    return std::unexpected(PathError(std::move(dir).error(), path, name_or_id));
  }
  image::UnpackOptions uo;
  uo.plain_files = true;
  uo.digests = false;
  uo.no_overwrite_dir_non_dir = options.no_overwrite_dir_non_dir;
  if (options.copy_uid_gid) {
    // The container's user, from its own passwd and group files read as
    // text (never through NSS, which would load the container's
    // libraries into berthd).
    auto c = TRY(ParseContainerConfig(rec.config));
    std::string user = c.user;
    if (user.empty()) {
      auto image_id = TRY(image::ParseDigest(rec.image_id));
      ImageDetails image = TRY(images_.Details(image_id));
      const nlohmann::json& cfg = image.config.config;
      if (cfg.is_object() && cfg.contains("User") && cfg["User"].is_string())
        user = cfg["User"].get<std::string>();
    }
    if (!user.empty()) {
      std::string passwd = TRY(ReadFileInRootFd(ra->fd.get(), "/etc/passwd"));
      std::string group = TRY(ReadFileInRootFd(ra->fd.get(), "/etc/group"));
      ResolvedUser u = TRY(ResolveUser(user, passwd, group));
      uo.owner = std::make_pair(u.uid, u.gid);
    }
  }
  (void)TRY_CTX(image::UnpackLayer(read, dir->get(), uo), "copy into container {}", name_or_id);
  Emit(rec, "extract-to-dir");
  return Ok();
}

}  // namespace berth::engine
