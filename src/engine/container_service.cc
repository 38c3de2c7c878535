// The container service's bookkeeping: opening, the per-container locks,
// lookups, rename, remove and prune. The lifecycle drivers live in
// container_create.cc, container_start.cc, container_monitor.cc and
// container_stop.cc.
#include "engine/container_service.h"

#include <ftw.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "base/fs.h"
#include "base/log.h"
#include "engine/container_live.h"
#include "engine/container_names.h"
#include "runtime/runtime.h"

namespace berth::engine {

ContainerService::ContainerService(ContainerServiceOptions options, ImageService& images,
                                   ContainerStore store, ContainerEventFn on_event)
    : options_(std::move(options)),
      images_(images),
      store_(std::move(store)),
      on_event_(std::move(on_event)) {}

ContainerService::~ContainerService() {
  // Monitors hold no resources the containers need: the shims run on.
  closing_ = true;
  cv_.notify_all();
}

Result<std::unique_ptr<ContainerService>> ContainerService::Open(
    const ContainerServiceOptions& options, ImageService& images, ContainerEventFn on_event) {
  auto store = TRY(ContainerStore::Open(images.db()));
  std::unique_ptr<ContainerService> s(
      new ContainerService(options, images, std::move(store), std::move(on_event)));
  TRY(MkdirAll(options.data_root + "/containers", 0711));
  TRY(MkdirAll(options.exec_root + "/c", 0711));
  TRY(MkdirAll(s->RuntimeRoot(), 0711));
  ContainerService* self = s.get();
  images.SetImageUsers(
      [self](const image::Digest& image) -> std::optional<ImageService::ImageUser> {
        auto all = self->store_.List();
        if (!all) return std::nullopt;
        std::optional<ImageService::ImageUser> user;
        for (const ContainerRecord& r : *all) {
          if (r.image_id != image.String()) continue;
          bool running = IsRunning(r.state);
          if (!user || running) user = ImageService::ImageUser{r.id, running};
        }
        return user;
      });
  TRY(s->Restore());
  return s;
}

std::string ContainerService::BundleDir(const std::string& id) const {
  return options_.data_root + "/containers/" + id;
}
std::string ContainerService::StateDir(const std::string& id) const {
  // A unix socket's path holds at most 107 bytes: the shim's goes under a
  // short name (96 bits of the ID).
  return options_.exec_root + "/c/" + id.substr(0, 24);
}
std::string ContainerService::RuntimeRoot() const { return options_.exec_root + "/runtime"; }

std::shared_ptr<ContainerService::Live> ContainerService::LiveOf(const std::string& id) {
  std::lock_guard lock(mu_);
  auto& l = live_[id];
  if (!l) l = std::make_shared<Live>();
  return l;
}

Result<ContainerService::Locked> ContainerService::LockContainer(const std::string& name_or_id) {
  ContainerRecord found = TRY(store_.Lookup(name_or_id));
  Locked l;
  l.live = LiveOf(found.id);
  l.op = std::unique_lock(l.live->op);
  auto cur = TRY(store_.Get(found.id));
  if (!cur) return FailAs(ENOENT, "No such container: {}", name_or_id);
  l.rec = std::move(*cur);
  return l;
}

void ContainerService::Emit(const ContainerRecord& rec, const std::string& action,
                            std::map<std::string, std::string> extra) {
  if (!on_event_) return;
  ContainerEvent e;
  e.action = action;
  e.id = rec.id;
  e.attributes = std::move(extra);
  e.attributes["name"] = rec.name;
  e.attributes["image"] = rec.image_ref;
  if (auto labels = rec.config.find("Labels"); labels != rec.config.end() && labels->is_object())
    for (const auto& [k, v] : labels->items())
      if (v.is_string() && !e.attributes.count(k)) e.attributes[k] = v.get<std::string>();
  on_event_(e);
}

Result<ContainerRecord> ContainerService::Inspect(const std::string& name_or_id) {
  return store_.Lookup(name_or_id);
}

Result<std::vector<ContainerRecord>> ContainerService::List() { return store_.List(); }

Status ContainerService::Rename(const std::string& name_or_id, const std::string& new_name) {
  ContainerRecord rec = TRY(store_.Lookup(name_or_id));
  std::string name = TRY(ValidateContainerName(new_name));
  if (name == rec.name)
    return FailAs(EINVAL, "Renaming a container with the same name as its current name");
  auto live = LiveOf(rec.id);
  std::lock_guard op(live->op);
  TRY(store_.Rename(rec.id, name));
  std::string old = rec.name;
  rec.name = name;
  Emit(rec, "rename", {{"oldName", "/" + old}});
  return Ok();
}

Status ContainerService::Remove(const std::string& name_or_id, bool force) {
  Locked l = TRY(LockContainer(name_or_id));
  ContainerRecord& rec = l.rec;
  bool running = IsRunning(rec.state);
  // A container waiting out its restart backoff is refused too, as docker
  // does; forced, it is removed before the restart is due.
  bool restarting = rec.state.status == ContainerStatus::kRestarting;
  if ((running || restarting) && !force)
    return FailAs(EBUSY,
                  "You cannot remove a {} container {}. Stop the container before attempting "
                  "removal or force remove",
                  StatusName(rec.state.status), rec.id);
  if (running) {
    if (rec.state.status == ContainerStatus::kPaused)
      (void)runtime::Resume({.root = RuntimeRoot()}, rec.id);
    (void)SignalShim(rec, SIGKILL);
    TRY(AwaitExit(l.live, -1));
    auto after = TRY(store_.Get(rec.id));
    if (after) rec = *after;
  }
  return RemoveLocked(rec);
}

Status ContainerService::RemoveLocked(const ContainerRecord& rec) {
  // The record goes first: from then on the container does not exist for
  // anyone, and what is left on disk is a leftover Open would sweep.
  TRY(store_.Delete(rec.id));
  std::string rootfs = BundleDir(rec.id) + "/rootfs";
  (void)::umount2(rootfs.c_str(), MNT_DETACH);
  (void)runtime::Delete({.root = RuntimeRoot()}, rec.id, true);
  if (auto s = images_.snapshots().RemoveActive(rec.id); !s)
    log::Warn("remove container {}: {}", rec.id, s.error().What());
  if (auto s = RemoveAll(BundleDir(rec.id)); !s)
    log::Warn("remove container {}: {}", rec.id, s.error().What());
  (void)RemoveAll(StateDir(rec.id));
  // --- volumes, binds, tmpfs ---
  ReleaseVolumes(rec);

  {
    std::lock_guard lock(mu_);
    std::erase_if(execs_, [&](const auto& e) { return e.second.container_id == rec.id; });
    if (auto it = live_.find(rec.id); it != live_.end()) {
      it->second->removed = true;
      live_.erase(it);
    }
  }
  cv_.notify_all();
  Emit(rec, "destroy");
  return Ok();
}

Result<std::vector<std::string>> ContainerService::Prune(
    const std::function<bool(const ContainerRecord&)>& matches) {
  std::vector<std::string> removed;
  for (const ContainerRecord& rec : TRY(store_.List())) {
    if (IsRunning(rec.state) || rec.state.status == ContainerStatus::kRestarting) continue;
    if (matches && !matches(rec)) continue;
    auto live = LiveOf(rec.id);
    std::lock_guard op(live->op);
    auto cur = TRY(store_.Get(rec.id));
    if (!cur || cur->state.status == ContainerStatus::kRunning) continue;
    TRY(RemoveLocked(*cur));
    removed.push_back(rec.id);
  }
  return removed;
}

namespace {
// nftw takes no closure: one walk at a time adds into this.
std::mutex g_walk_mu;
int64_t g_walk_bytes = 0;
int AddFileBytes(const char*, const struct stat* st, int type, FTW*) {
  if (type == FTW_F) g_walk_bytes += st->st_size;
  return 0;
}
}  // namespace

int64_t ContainerService::WritableLayerBytes(const std::string& id) {
  std::lock_guard lock(g_walk_mu);
  g_walk_bytes = 0;
  ::nftw(images_.snapshots().UpperDir(id).c_str(), AddFileBytes, 16, FTW_PHYS);
  return g_walk_bytes;
}

}  // namespace berth::engine
