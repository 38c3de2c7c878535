// docker commit: a container's writable layer (its overlay upper dir) as
// a new image layer over its image's, with docker's config merge.
#include <fcntl.h>

#include <set>

#include "base/unique_fd.h"
#include "engine/container_live.h"
#include "engine/container_service.h"
#include "engine/container_spec.h"
#include "engine/tree_tar.h"
#include "image/config_changes.h"

namespace berth::engine {

namespace {

using nlohmann::json;

bool Empty(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty()) ||
         ((it->is_array() || it->is_object()) && it->empty());
}

// A member of a JSON object, or `def` when absent or of another type
// (nlohmann's value() would throw).
json Member(const json& j, const char* key, json def = nullptr) {
  if (!j.is_object()) return def;
  auto it = j.find(key);
  if (it == j.end() || it->is_null() || (!def.is_null() && it->type() != def.type())) return def;
  return *it;
}

std::string EnvKey(const std::string& e) { return e.substr(0, e.find('=')); }

// The container's config as docker keeps it (its Config in inspect): what
// it was created with, the image's values where it gave none.
json ContainerDockerConfig(const ContainerRecord& rec, const ContainerConfig& c,
                           const json& image_cfg) {
  json j = rec.config;
  j["Hostname"] = c.hostname.empty() ? rec.id.substr(0, 12) : c.hostname;
  json env = json::array();
  auto merged = MergeEnv(image_cfg, c.env, c.hostname, c.tty);
  if (merged)
    for (const std::string& e : *merged)
      if (!e.starts_with("HOSTNAME=") && (c.tty || !e.starts_with("TERM="))) env.push_back(e);
  j["Env"] = env;
  if (!c.entrypoint) j["Entrypoint"] = Member(image_cfg, "Entrypoint");
  if (!c.cmd && !(c.entrypoint && !c.entrypoint->empty())) j["Cmd"] = Member(image_cfg, "Cmd");
  if (c.working_dir.empty()) j["WorkingDir"] = Member(image_cfg, "WorkingDir", "");
  if (c.user.empty()) j["User"] = Member(image_cfg, "User", "");
  json labels = image_cfg.contains("Labels") && image_cfg["Labels"].is_object()
                    ? image_cfg["Labels"]
                    : json::object();
  for (const auto& [k, v] : c.labels) labels[k] = v;
  j["Labels"] = labels;
  if (c.stop_signal.empty() && image_cfg.contains("StopSignal"))
    j["StopSignal"] = image_cfg["StopSignal"];
  for (const char* k : {"ExposedPorts", "Healthcheck", "OnBuild"})
    if (Empty(j, k) && image_cfg.contains(k)) j[k] = image_cfg[k];
  if (Empty(j, "Volumes")) j["Volumes"] = Member(image_cfg, "Volumes");
  return j;
}

// docker's merge (daemon/commit.go): what the commit's own config (the
// body, with the changes applied) leaves unset comes from the container's.
void MergeCommitConfig(json& user, const json& ctr) {
  for (const char* k : {"User", "WorkingDir", "StopSignal", "Hostname", "Domainname"})
    if (Empty(user, k) && ctr.contains(k)) user[k] = ctr[k];
  for (const char* k :
       {"Tty", "OpenStdin", "StdinOnce", "AttachStdin", "AttachStdout", "AttachStderr", "Image"})
    if (!user.contains(k) && ctr.contains(k)) user[k] = ctr[k];
  // Env: the container's variables the commit does not set.
  if (Empty(user, "Env")) {
    user["Env"] = Member(ctr, "Env");
  } else if (ctr.contains("Env") && ctr["Env"].is_array()) {
    std::set<std::string> have;
    for (const json& e : user["Env"])
      if (e.is_string()) have.insert(EnvKey(e.get<std::string>()));
    for (const json& e : ctr["Env"])
      if (e.is_string() && !have.contains(EnvKey(e.get<std::string>()))) user["Env"].push_back(e);
  }
  // Labels, ExposedPorts, Volumes: unions, the commit's winning.
  for (const char* k : {"Labels", "ExposedPorts", "Volumes"}) {
    if (!ctr.contains(k) || !ctr[k].is_object()) continue;
    if (!user.contains(k) || !user[k].is_object()) user[k] = json::object();
    for (const auto& [name, v] : ctr[k].items())
      if (!user[k].contains(name)) user[k][name] = v;
    if (user[k].empty() && k != std::string("Labels")) user[k] = nullptr;
  }
  // The command: the container's, unless the commit gives an entrypoint
  // or a command of its own.
  if (Empty(user, "Entrypoint") && Empty(user, "Cmd")) {
    user["Cmd"] = Member(ctr, "Cmd");
    user["Entrypoint"] = Member(ctr, "Entrypoint");
  }
  if (Empty(user, "Healthcheck") && ctr.contains("Healthcheck"))
    user["Healthcheck"] = ctr["Healthcheck"];
  if (Empty(user, "OnBuild")) user["OnBuild"] = Member(ctr, "OnBuild");
  // Fields docker's container config has but an image config does not.
  user.erase("StopTimeout");
}

std::string JoinWords(const json& list) {
  std::string s;
  if (!list.is_array()) return s;
  for (const json& w : list) {
    if (!w.is_string()) continue;
    if (!s.empty()) s += ' ';
    s += w.get<std::string>();
  }
  return s;
}

}  // namespace

Result<image::Digest> ContainerService::Commit(const std::string& name_or_id,
                                               const CommitRequest& request) {
  ContainerRecord rec = TRY(store_.Lookup(name_or_id));
  auto image_id = TRY(image::ParseDigest(rec.image_id));
  ImageDetails image = TRY(images_.Details(image_id));
  ContainerConfig c = TRY(ParseContainerConfig(rec.config));

  // 1. The new image's config: the body's (or the container's), the
  // --change lines over it, then docker's merge with the container's.
  // A bad change fails here, before anything is paused or written.
  json image_cfg = image.config.config.is_object() ? image.config.config : json::object();
  json ctr = ContainerDockerConfig(rec, c, image_cfg);
  json config = request.config.is_object() && !request.config.empty() ? request.config : ctr;
  TRY(image::ApplyConfigChanges(config, request.changes));
  MergeCommitConfig(config, ctr);

  // 2. A running container is frozen while its upper dir is read, so the
  // layer is one instant of it (docker's --pause, the default).
  bool paused_here = false;
  if (request.pause && rec.state.status == ContainerStatus::kRunning) {
    TRY(Pause(rec.id));
    paused_here = true;
  }
  auto committed = [&]() -> Result<image::CommitResult> {
    // Held throughout: a remove meanwhile would delete the upper dir.
    Locked l = TRY(LockContainer(rec.id));
    std::string upper = images_.snapshots().UpperDir(l.rec.id);
    UniqueFd dir(::open(upper.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return FailErrno("container {}: open its writable layer", name_or_id);
    image::CommitOptions o;
    o.parent = image.record;
    o.config = config;
    o.container_config = ctr;
    o.container_id = rec.id;
    o.author = request.author;
    o.comment = request.comment;
    o.created_by = JoinWords(Member(ctr, "Cmd"));
    // The upper dir as a layer tar: overlay's whiteouts become ".wh."
    // entries; the walk is fd-relative and follows no link.
    TreeTarOptions to;
    to.overlay_whiteouts = true;
    auto layer = [&](const image::LayerWriteFn& w) -> Status {
      return WriteEntryTar(dir.get(), ".", "", w, to);
    };
    return images_.Commit(layer, std::move(o), request.repo, request.tag);
  }();
  if (paused_here) (void)Unpause(rec.id);
  if (!committed) return std::unexpected(std::move(committed).error());

  std::string ref;
  if (!request.repo.empty()) ref = request.repo + (request.tag.empty() ? "" : ":" + request.tag);
  Emit(rec, "commit",
       {{"comment", request.comment}, {"imageID", committed->id.String()}, {"imageRef", ref}});
  return committed->id;
}

}  // namespace berth::engine
