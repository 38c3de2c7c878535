// docker create, step by step: the image, the name, the checks docker makes
// before anything exists, then the writable layer, the bundle directory
// and, last, the record. A failing step removes what the ones before made.
#include <fmt/core.h>

#include "base/clock.h"
#include "base/fs.h"
#include "engine/container_live.h"
#include "engine/container_names.h"
#include "engine/container_service.h"
#include "engine/container_spec.h"
#include "engine/resources_host_check.h"

namespace berth::engine {
namespace {

// Docker's refusals of a namespace mode naming another container are made
// at start; the name must at least be one docker accepts.
Status CheckJoinTarget(const std::string& what, const std::string& target) {
  if (target.empty()) return FailAs(EINVAL, "invalid {}: container name is empty", what);
  return Ok();
}

}  // namespace

Result<std::string> ContainerService::Create(const CreateRequest& request,
                                             const std::string& name) {
  // 1. The image, as the user named it: it must be here (the client pulls
  // on docker's 404 and asks again).
  if (request.config.image.empty()) return FailAs(EINVAL, "No image specified");
  image::Digest image_id = TRY(images_.Resolve(request.config.image));
  ImageDetails image = TRY(images_.Details(image_id));

  // 2. What docker refuses before creating anything: no command at all,
  // a log driver it does not have, a bad stop signal.
  TRY_CTX(MergeCommand(request.config, image.config.config), "create");
  const LogConfig& log = request.host_config.log_config;
  if (log.type != "json-file" && log.type != "none")
    return FailAs(EINVAL, "logger: no log driver named '{}' is registered", log.type);
  if (!request.config.stop_signal.empty()) {
    auto sig = ParseSignal(request.config.stop_signal);
    if (!sig) return FailAs(EINVAL, "{}", sig.error().message());
  }
  const HostConfig& hc = request.host_config;
  TRY(CheckSecurityOnHost(hc.security));  // security options: devices, caps, seccomp
  if (hc.network_mode.kind == NetworkMode::kContainer)
    TRY(CheckJoinTarget("network mode", hc.network_mode.container));
  for (const NamespaceMode* m : {&hc.pid_mode, &hc.ipc_mode, &hc.uts_mode})
    if (m->kind == NamespaceMode::kContainer) TRY(CheckJoinTarget("namespace mode", m->container));
  TRY(CheckUsernsRemap(userns_remap_, hc));  // userns-remap: docker's refusals
  if (hc.init.value_or(false) && options_.init_binary.empty())
    return FailAs(EINVAL, "--init: no init binary is installed (install tini-static or catatonit)");
  // --- resources and update ---
  TRY(CheckResourcesOnHost(hc.resources));
  // --volumes-from names containers that must exist now, as docker checks
  // at create (their mount points are read again at each start).
  for (const std::string& spec : hc.storage.volumes_from) {
    VolumesFrom from = TRY(ParseVolumesFrom(spec));
    if (!store_.Lookup(from.container))
      return FailAs(ENOENT, "No such container: {}", from.container);
  }

  // 3. The name: the user's, checked and free, or a generated one. Held
  // until the record is written, so two creates cannot take one name.
  std::lock_guard naming(create_mu_);
  std::string final_name;
  if (!name.empty()) {
    final_name = TRY(ValidateContainerName(name));
  } else {
    final_name = TRY(GenerateContainerName([&](const std::string& n) -> Result<bool> {
      auto taken = TRY(store_.GetByName(n));
      return taken.has_value();
    }));
  }
  std::string id = TRY(NewRandomId());
  if (auto other = TRY(store_.GetByName(final_name)))
    return FailAs(EEXIST,
                  "Conflict. The container name \"/{}\" is already in use by container \"{}\". "
                  "You have to remove (or rename) that container to be able to reuse that name.",
                  final_name, other->id);

  // 4. The writable layer and the bundle directory, removed again unless
  // the record is written.
  std::string bundle = BundleDir(id);
  bool committed = false;
  TRY(images_.snapshots().CreateActive(id));
  struct Undo {
    ContainerService* s;
    const std::string& id;
    const std::string& bundle;
    bool& committed;
    ~Undo() {
      if (committed) return;
      (void)s->images_.snapshots().RemoveActive(id);
      (void)RemoveAll(bundle);
    }
  } undo{this, id, bundle, committed};
  TRY(MkdirAll(bundle + "/rootfs", 0700));
  // --- volumes, binds, tmpfs: the volumes exist from create on ---
  std::vector<std::string> new_volumes;
  struct UndoVolumes {
    ContainerService* s;
    std::vector<std::string>& made;
    bool& committed;
    ~UndoVolumes() {
      if (!committed) s->RemoveNewVolumes(made);
    }
  } undo_volumes{this, new_volumes, committed};
  TRY(CreateVolumes(id, request.config, hc.storage, image.config.config, &new_volumes));

  // 5. The record: from here on the container exists.
  ContainerRecord rec;
  rec.id = id;
  rec.name = final_name;
  rec.image_id = image_id.String();
  rec.image_ref = request.config.image;
  rec.created = NowRfc3339Nano();
  rec.config = ToJson(request.config);
  rec.host_config = ToJson(request.host_config);
  rec.snapshot_key = id;
  rec.bundle_dir = bundle;
  if (log.type == "json-file") rec.log_path = bundle + "/" + id + "-json.log";
  TRY(store_.Create(rec));
  committed = true;
  Emit(rec, "create");
  return id;
}

}  // namespace berth::engine
