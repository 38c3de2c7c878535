// /volumes (docker volume create|ls|inspect|rm|prune) and /system/df:
// docker's JSON in and out of the engine's VolumeService.
#include <fmt/core.h>

#include "api/filters.h"
#include "api/routes.h"
#include "engine/volume_service.h"

namespace berth::api {
namespace {

using nlohmann::json;

void SendEngineFailure(HttpResponder& out, const Error& e) {
  out.SendError(StatusForError(e), e.What());
}

json VolumeJson(const engine::VolumeService& v, const engine::VolumeRecord& rec) {
  return json{{"CreatedAt", rec.created},
              {"Driver", rec.driver},
              {"Labels", rec.labels.empty() ? json(nullptr) : json(rec.labels)},
              {"Mountpoint", v.DataDir(rec.name)},
              {"Name", rec.name},
              {"Options", rec.options.empty() ? json(nullptr) : json(rec.options)},
              {"Scope", "local"}};
}

bool BoolFilter(const std::string& v, bool* out) {
  if (v == "true" || v == "1")
    *out = true;
  else if (v == "false" || v == "0")
    *out = false;
  else
    return false;
  return true;
}

// docker's label filter: "key" (present) or "key=value".
bool LabelsMatch(const std::map<std::string, std::string>& labels,
                 const std::vector<std::string>& wanted) {
  for (const std::string& w : wanted) {
    size_t eq = w.find('=');
    auto it = labels.find(w.substr(0, eq));
    if (it == labels.end()) return false;
    if (eq != std::string::npos && it->second != w.substr(eq + 1)) return false;
  }
  return true;
}

}  // namespace

void AddVolumeRoutes(Router& r, ApiContext& ctx) {
  r.Add("GET", "/volumes", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto filters = ParseFilters(req.Query("filters"));
    if (!filters) return SendEngineFailure(out, filters.error());
    if (auto s = CheckFilterNames(*filters, {"dangling", "name", "label", "driver"}); !s)
      return SendEngineFailure(out, s.error());
    std::optional<bool> dangling;
    if (auto it = filters->find("dangling"); it != filters->end())
      for (const std::string& v : it->second) {
        bool b = false;
        if (!BoolFilter(v, &b))
          return out.SendError(400, fmt::format("invalid filter 'dangling={}'", v));
        dangling = b;
      }
    auto list = ctx.volumes->List();
    if (!list) return SendEngineFailure(out, list.error());
    engine::VolumeUsers users;
    if (dangling) {
      auto u = ctx.volumes->Users();
      if (!u) return SendEngineFailure(out, u.error());
      users = std::move(*u);
    }
    json arr = json::array();
    for (const engine::VolumeRecord& v : *list) {
      if (auto it = filters->find("name"); it != filters->end()) {
        bool any = false;
        for (const std::string& n : it->second) any |= v.name.find(n) != std::string::npos;
        if (!any) continue;
      }
      if (auto it = filters->find("driver"); it != filters->end()) {
        bool any = false;
        for (const std::string& d : it->second) any |= v.driver == d;
        if (!any) continue;
      }
      if (auto it = filters->find("label"); it != filters->end())
        if (!LabelsMatch(v.labels, it->second)) continue;
      if (dangling) {
        bool used = users.count(v.name) && !users[v.name].empty();
        if (used == *dangling) continue;
      }
      arr.push_back(VolumeJson(*ctx.volumes, v));
    }
    out.SendJson(200, json{{"Volumes", arr}, {"Warnings", nullptr}});
  });

  r.Add("POST", "/volumes/create", [&ctx](const HttpRequest& req, HttpResponder& out) {
    json j = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    if (!j.is_object()) return out.SendError(400, "invalid JSON body for volume create");
    engine::VolumeCreateRequest c;
    auto str = [&](const char* k) {
      return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
    };
    auto map = [&](const char* k, std::map<std::string, std::string>* m) -> bool {
      if (!j.contains(k) || j[k].is_null()) return true;
      if (!j[k].is_object()) return false;
      for (const auto& [key, val] : j[k].items()) {
        if (!val.is_string()) return false;
        (*m)[key] = val.get<std::string>();
      }
      return true;
    };
    c.name = str("Name");
    c.driver = str("Driver");
    if (!map("DriverOpts", &c.options) || !map("Labels", &c.labels))
      return out.SendError(400, "DriverOpts and Labels must be maps of strings");
    auto v = ctx.volumes->Create(c);
    if (!v) return SendEngineFailure(out, v.error());
    out.SendJson(201, VolumeJson(*ctx.volumes, *v));
  });

  r.Add("POST", "/volumes/prune", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto filters = ParseFilters(req.Query("filters"));
    if (!filters) return SendEngineFailure(out, filters.error());
    if (auto s = CheckFilterNames(*filters, {"label", "label!", "all"}); !s)
      return SendEngineFailure(out, s.error());
    // API 1.42 made prune take only anonymous volumes unless all=true;
    // older clients (docker 20.10's CLI) get every unused volume.
    bool all = CompareApiVersions(req.api_version, "1.42") < 0;
    if (auto it = filters->find("all"); it != filters->end())
      for (const std::string& v : it->second)
        if (!BoolFilter(v, &all))
          return out.SendError(400, fmt::format("invalid filter 'all={}'", v));
    std::vector<std::string> with, without;
    if (auto it = filters->find("label"); it != filters->end()) with = it->second;
    if (auto it = filters->find("label!"); it != filters->end()) without = it->second;
    auto pruned = ctx.volumes->Prune([&](const engine::VolumeRecord& v) {
      if (!all && !v.anonymous) return false;
      if (!LabelsMatch(v.labels, with)) return false;
      for (const std::string& w : without)
        if (LabelsMatch(v.labels, {w})) return false;
      return true;
    });
    if (!pruned) return SendEngineFailure(out, pruned.error());
    out.SendJson(
        200, json{{"VolumesDeleted", pruned->first.empty() ? json(nullptr) : json(pruned->first)},
                  {"SpaceReclaimed", pruned->second}});
  });

  r.Add("GET", "/volumes/{name}", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto v = ctx.volumes->Get(req.params.at("name"));
    if (!v) return SendEngineFailure(out, v.error());
    out.SendJson(200, VolumeJson(*ctx.volumes, *v));
  });

  r.Add("DELETE", "/volumes/{name}", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto s = ctx.volumes->Remove(req.params.at("name"), req.QueryBool("force"));
    if (!s) return SendEngineFailure(out, s.error());
    out.SendNoContent();
  });

  // docker system df: images, containers and volumes with their sizes.
  r.Add("GET", "/system/df", [&ctx](const HttpRequest&, HttpResponder& out) {
    auto containers = ctx.containers->List();
    if (!containers) return SendEngineFailure(out, containers.error());
    auto images = ctx.images->List();
    if (!images) return SendEngineFailure(out, images.error());
    std::map<std::string, int64_t> image_users;
    for (const auto& c : *containers) image_users[c.image_id]++;
    json image_list = json::array();
    int64_t layers_size = 0;
    for (const auto& d : *images) {
      std::string id = d.record.id.String();
      layers_size += d.record.size;
      image_list.push_back({{"Id", id},
                            {"ParentId", ""},
                            {"RepoTags", d.repo_tags},
                            {"RepoDigests", d.repo_digests},
                            {"Created", d.record.created},
                            {"Size", d.record.size},
                            {"SharedSize", 0},
                            {"VirtualSize", d.record.size},
                            {"Labels", json::object()},
                            {"Containers", image_users.count(id) ? image_users[id] : 0}});
    }
    json container_list = json::array();
    for (const auto& c : *containers) {
      int64_t size_rw = ctx.containers->WritableLayerBytes(c.id);
      container_list.push_back({{"Id", c.id},
                                {"Names", json::array({"/" + c.name})},
                                {"Image", c.image_ref},
                                {"ImageID", c.image_id},
                                {"Command", ""},
                                {"Created", 0},
                                {"State", engine::StatusName(c.state.status)},
                                {"Status", ""},
                                {"SizeRw", size_rw},
                                {"SizeRootFs", size_rw},
                                {"Labels", json::object()},
                                {"Mounts", json::array()}});
    }
    json volume_list = json::array();
    auto users = ctx.volumes->Users();
    if (auto list = ctx.volumes->List()) {
      for (const auto& v : *list) {
        json j = VolumeJson(*ctx.volumes, v);
        int64_t refs = users && users->count(v.name) ? (*users)[v.name].size() : 0;
        j["UsageData"] = {{"Size", ctx.volumes->Size(v.name)}, {"RefCount", refs}};
        volume_list.push_back(std::move(j));
      }
    }
    out.SendJson(200, json{{"LayersSize", layers_size},
                           {"Images", image_list},
                           {"Containers", container_list},
                           {"Volumes", volume_list},
                           {"BuildCache", json::array()}});
  });
}

}  // namespace berth::api
