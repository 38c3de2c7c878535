// A container's volumes, binds and tmpfs mounts: which mount points it has
// (its own, and those of the containers it takes --volumes-from), making
// them ready (volumes made at create, as docker makes them; at start bind
// sources -v may create, volumes made again if removed meanwhile, the
// local driver's mounts, seeding from the image), and what its exit and
// removal release (mounts no one uses, anonymous volumes with --rm and
// rm -v).
#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "base/fs.h"
#include "base/log.h"
#include "engine/container_live.h"
#include "engine/container_service.h"
#include "engine/container_spec.h"
#include "engine/volume_seed.h"
#include "engine/volume_service.h"

namespace berth::engine {
namespace {

// How deep --volumes-from chains are followed (A from B from C ...).
constexpr int kMaxVolumesFromDepth = 8;

size_t Depth(const std::string& path) { return std::count(path.begin(), path.end(), '/'); }

VolumeCreateRequest VolumeRequestOf(const MountPoint& m) {
  VolumeCreateRequest req;
  req.name = m.source;
  req.anonymous = m.anonymous;
  req.driver = m.volume_driver;
  req.options = m.driver_options;
  req.labels = m.volume_labels;
  return req;
}

}  // namespace

void ContainerService::SetVolumes(VolumeService* volumes) {
  volumes_ = volumes;
  volumes->SetUsers([this]() -> Result<VolumeUsers> {
    VolumeUsers users;
    for (const ContainerRecord& rec : TRY(store_.List())) {
      auto points = MountPointsOf(rec, 0);
      if (!points) continue;  // a record whose options no longer parse holds nothing
      std::set<std::string> seen;
      for (const MountPoint& m : *points)
        if (m.type == "volume" && seen.insert(m.source).second)
          users[m.source].push_back({rec.id, IsRunning(rec.state)});
    }
    return users;
  });
}

Status ContainerService::Remove(const std::string& name_or_id, bool force, bool remove_volumes) {
  if (!remove_volumes) return Remove(name_or_id, force);
  ContainerRecord rec = TRY(store_.Lookup(name_or_id));
  {
    std::lock_guard lock(mu_);
    remove_volumes_of_[rec.id] = true;
  }
  Status s = Remove(rec.id, force);
  std::lock_guard lock(mu_);
  remove_volumes_of_.erase(rec.id);
  return s;
}

Result<std::vector<MountPoint>> ContainerService::MountPoints(const ContainerRecord& rec) {
  return MountPointsOf(rec, 0);
}

Result<std::vector<MountPoint>> ContainerService::MountPointsOf(const ContainerRecord& rec,
                                                                int depth) {
  ContainerConfig config = TRY(ParseContainerConfig(rec.config));
  StorageOptions storage = TRY(ParseStoredStorage(rec.host_config));
  nlohmann::json image_config = nlohmann::json::object();
  if (auto digest = image::ParseDigest(rec.image_id))
    if (auto details = images_.Details(*digest)) image_config = details->config.config;
  std::vector<MountPoint> points = OwnMountPoints(rec.id, storage, config.volumes, image_config);
  // --volumes-from: the other container's binds and volumes, at the same
  // destinations, unless this container mounts something there itself.
  std::set<std::string> taken;
  for (const MountPoint& m : points) taken.insert(m.destination);
  for (const std::string& spec : storage.volumes_from) {
    VolumesFrom from = TRY(ParseVolumesFrom(spec));
    auto other = store_.Lookup(from.container);
    if (!other) return FailAs(ENOENT, "No such container: {}", from.container);
    if (other->id == rec.id || depth >= kMaxVolumesFromDepth) continue;
    for (MountPoint m : TRY(MountPointsOf(*other, depth + 1))) {
      if (m.type == "tmpfs" || !taken.insert(m.destination).second) continue;
      if (from.read_only) m.read_only = *from.read_only;
      m.create_source = false;
      points.push_back(std::move(m));
    }
  }
  return points;
}

Status ContainerService::CreateVolumes(const std::string& id, const ContainerConfig& config,
                                       const StorageOptions& storage,
                                       const nlohmann::json& image_config,
                                       std::vector<std::string>* made) {
  if (volumes_ == nullptr) return Ok();
  for (const MountPoint& m : OwnMountPoints(id, storage, config.volumes, image_config)) {
    if (m.type != "volume") continue;
    bool existed = static_cast<bool>(volumes_->Get(m.source));
    TRY(volumes_->Create(VolumeRequestOf(m)));
    if (!existed) made->push_back(m.source);
  }
  return Ok();
}

void ContainerService::RemoveNewVolumes(const std::vector<std::string>& made) {
  for (const std::string& name : made)
    if (auto s = volumes_->Remove(name, true); !s)
      log::Warn("volume {}: remove after a failed create: {}", name, s.error().What());
}

Status ContainerService::PrepareMounts(const ContainerRecord& rec, ContainerSpecInput* in) {
  if (volumes_ == nullptr) return Ok();
  std::vector<MountPoint> points = TRY(MountPointsOf(rec, 0));
  // Parents before children: /data before /data/logs.
  std::stable_sort(points.begin(), points.end(), [](const MountPoint& a, const MountPoint& b) {
    return Depth(a.destination) < Depth(b.destination);
  });
  for (const MountPoint& m : points) {
    spec::Mount out;
    out.destination = m.destination;
    if (m.type == "bind") {
      // -v makes a missing source directory, as docker does at start.
      struct stat st;
      if (m.create_source && ::lstat(m.source.c_str(), &st) != 0 && errno == ENOENT)
        TRY_CTX(MkdirAll(m.source, 0755), "error while creating mount source path '{}'", m.source);
      if (::stat(m.source.c_str(), &st) != 0)
        return FailAs(ENOENT,
                      "invalid mount config for type \"bind\": bind source path does not exist: {}",
                      m.source);
      out.type = "bind";
      out.source = m.source;
      out.options = {"rbind", m.propagation.empty() ? "rprivate" : m.propagation};
    } else if (m.type == "volume") {
      // Created on first use: a named volume keeps its data for the next
      // container; an anonymous one belongs to this container.
      TRY(volumes_->Create(VolumeRequestOf(m)));
      TRY(volumes_->Activate(m.source));
      std::string data = volumes_->DataDir(m.source);
      // Under userns-remap the container's root is a subordinate user of
      // the host: a new volume is made its own (as dockerd does), and the
      // seed copies the owners the remapped rootfs shows.
      if (RemappedFor(userns_remap_, in->host_config.userns_mode))
        TRY(PrepareVolumeForRemap(data, userns_remap_));
      if (!m.no_copy) TRY(SeedVolume(in->rootfs, m.destination, data));
      out.type = "bind";
      out.source = data;
      out.options = {"rbind", "rprivate"};
    } else {
      out.type = "tmpfs";
      out.source = "tmpfs";
      out.options = {"noexec", "nosuid", "nodev"};
      if (!m.tmpfs_options.empty()) {
        size_t start = 0;
        for (;;) {
          size_t comma = m.tmpfs_options.find(',', start);
          std::string o = m.tmpfs_options.substr(start, comma - start);
          if (!o.empty() && o != "ro" && o != "rw") out.options.push_back(o);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      } else {
        if (m.tmpfs_size > 0) out.options.push_back(fmt::format("size={}", m.tmpfs_size));
        if (m.tmpfs_mode != 0) out.options.push_back(fmt::format("mode={:o}", m.tmpfs_mode));
      }
    }
    if (m.read_only) out.options.push_back("ro");
    in->extra_mounts.push_back(std::move(out));
  }
  return Ok();
}

void ContainerService::UnmountUnusedVolumes(const ContainerRecord& rec) {
  if (volumes_ == nullptr) return;
  auto points = MountPointsOf(rec, 0);
  if (!points) return;  // options that no longer parse, or a --volumes-from since removed
  for (const MountPoint& m : *points)
    if (m.type == "volume") volumes_->Release(m.source, rec.id);
}

void ContainerService::ReleaseVolumes(const ContainerRecord& rec) {
  if (volumes_ == nullptr) return;
  bool remove_anonymous = rec.host_config.value("AutoRemove", false);
  {
    std::lock_guard lock(mu_);
    if (remove_volumes_of_.count(rec.id)) remove_anonymous = true;
  }
  auto config = ParseContainerConfig(rec.config);
  auto storage = ParseStoredStorage(rec.host_config);
  if (!config || !storage) return;
  nlohmann::json image_config = nlohmann::json::object();
  if (auto digest = image::ParseDigest(rec.image_id))
    if (auto details = images_.Details(*digest)) image_config = details->config.config;
  // The record is gone: whatever uses the volumes now is another container.
  for (const MountPoint& m : OwnMountPoints(rec.id, *storage, config->volumes, image_config)) {
    if (m.type != "volume") continue;
    volumes_->Release(m.source, rec.id);
    if (!remove_anonymous || !m.anonymous) continue;
    if (auto s = volumes_->Remove(m.source, true); !s)
      log::Warn("remove container {}: volume {}: {}", rec.id, m.source, s.error().What());
  }
}

}  // namespace berth::engine
