// /images/...: docker's image endpoints over the engine's ImageService.
#include <fnmatch.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/core.h>

#include "api/routes.h"
#include "base/base64.h"
#include "base/clock.h"
#include "image/reference.h"
#include "image/registry_auth.h"

namespace berth::api {

using nlohmann::json;

namespace {

std::string FamiliarName(const std::string& familiar_ref) {
  size_t at = familiar_ref.find('@');
  if (at != std::string::npos) return familiar_ref.substr(0, at);
  size_t slash = familiar_ref.rfind('/'), colon = familiar_ref.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash))
    return familiar_ref.substr(0, colon);
  return familiar_ref;
}

// X-Registry-Auth: base64url(JSON {"username","password","serveraddress",
// "identitytoken"}), as the docker CLI sends credentials for one request.
std::optional<image::Credentials> RegistryAuth(const HttpRequest& req) {
  std::string h = req.Header("x-registry-auth");
  if (h.empty()) return std::nullopt;
  auto raw = Base64UrlDecode(h);
  if (!raw) return std::nullopt;
  json j = json::parse(*raw, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  image::Credentials c;
  if (j.contains("username") && j["username"].is_string()) c.username = j["username"];
  if (j.contains("password") && j["password"].is_string()) c.password = j["password"];
  if (j.contains("identitytoken") && j["identitytoken"].is_string())
    c.identity_token = j["identitytoken"];
  if (c.username.empty() && c.identity_token.empty()) return std::nullopt;
  return c;
}

json StringsOrEmpty(const std::vector<std::string>& v) { return v; }

json Summary(const engine::ImageDetails& d, const std::string& api_version) {
  json labels = d.config.config.contains("Labels") && d.config.config["Labels"].is_object()
                    ? d.config.config["Labels"]
                    : json::object();
  json j = {{"Id", d.record.id.String()},
            {"ParentId", ""},
            {"RepoTags", StringsOrEmpty(d.repo_tags)},
            {"RepoDigests", StringsOrEmpty(d.repo_digests)},
            {"Created", d.record.created},
            {"Size", d.record.size},
            {"SharedSize", -1},
            {"Labels", labels},
            {"Containers", -1}};
  if (CompareApiVersions(api_version, "1.44") < 0) j["VirtualSize"] = d.record.size;
  return j;
}

json Inspect(const engine::ImageDetails& d, const std::string& api_version) {
  const spec::ImageConfig& c = d.config;
  json graph_data = json::object();
  if (!d.layer_dirs.empty()) {
    std::string lower;
    for (size_t i = 1; i < d.layer_dirs.size(); i++) lower += (i > 1 ? ":" : "") + d.layer_dirs[i];
    graph_data["UpperDir"] = d.layer_dirs[0];
    if (!lower.empty()) graph_data["LowerDir"] = lower;
  }
  json j = {
      {"Id", d.record.id.String()},
      {"RepoTags", StringsOrEmpty(d.repo_tags)},
      {"RepoDigests", StringsOrEmpty(d.repo_digests)},
      {"Parent", ""},
      {"Comment", c.raw.contains("comment") ? c.raw["comment"] : json("")},
      {"Created", c.created},
      {"DockerVersion", c.raw.contains("docker_version") ? c.raw["docker_version"] : json("")},
      {"Author", c.author},
      {"Config", c.config},
      {"Architecture", c.architecture},
      {"Os", c.os},
      {"Size", d.record.size},
      {"GraphDriver", {{"Name", "overlay2"}, {"Data", graph_data}}},
      {"RootFS", {{"Type", "layers"}, {"Layers", c.diff_ids}}},
      {"Metadata", {{"LastTagTime", "0001-01-01T00:00:00Z"}}}};
  if (!c.variant.empty()) j["Variant"] = c.variant;
  if (CompareApiVersions(api_version, "1.44") < 0) {
    j["VirtualSize"] = d.record.size;
    j["Container"] = "";
    j["ContainerConfig"] = json::object();
  }
  return j;
}

// docker's list filters: {"dangling": ["true"], "reference": ["busybox*"],
// "label": ["k=v"]}. Unknown filter names are refused.
Result<std::function<bool(const engine::ImageDetails&)>> ListFilter(const std::string& text) {
  if (text.empty()) return [](const engine::ImageDetails&) { return true; };
  json f = json::parse(text, nullptr, false);
  if (!f.is_object()) return FailAs(EINVAL, "invalid filter: {}", text);
  std::map<std::string, std::vector<std::string>> want;
  for (auto& [k, v] : f.items()) {
    if (k != "dangling" && k != "reference" && k != "label")
      return FailAs(EINVAL, "invalid filter '{}'", k);
    // Values come as a list, or (old clients) as a {"value": true} map.
    if (v.is_array()) {
      for (auto& e : v)
        if (e.is_string()) want[k].push_back(e);
    } else if (v.is_object()) {
      for (auto& [vk, vv] : v.items()) want[k].push_back(vk);
    }
  }
  for (const std::string& d : want["dangling"])
    if (d != "true" && d != "false" && d != "1" && d != "0")
      return FailAs(EINVAL, "Invalid filter 'dangling={}'", d);
  return [want](const engine::ImageDetails& d) {
    auto it = want.find("dangling");
    if (it != want.end() && !it->second.empty()) {
      bool dangling = d.repo_tags.empty();
      bool want_dangling = it->second[0] == "true" || it->second[0] == "1";
      if (dangling != want_dangling) return false;
    }
    it = want.find("reference");
    if (it != want.end() && !it->second.empty()) {
      bool any = false;
      for (const std::string& pat : it->second)
        for (const std::string& t : d.repo_tags)
          any |= ::fnmatch(pat.c_str(), t.c_str(), 0) == 0 ||
                 ::fnmatch(pat.c_str(), FamiliarName(t).c_str(), 0) == 0;
      if (!any) return false;
    }
    it = want.find("label");
    if (it != want.end()) {
      const json& labels = d.config.config.contains("Labels") ? d.config.config["Labels"] : json();
      for (const std::string& l : it->second) {
        size_t eq = l.find('=');
        std::string k = l.substr(0, eq);
        if (!labels.is_object() || !labels.contains(k)) return false;
        if (eq != std::string::npos &&
            (!labels[k].is_string() || labels[k].get<std::string>() != l.substr(eq + 1)))
          return false;
      }
    }
    return true;
  };
}

// An image event as dockerd 20.10 logs it: the actor is the image ID (or,
// for pull and push, the familiar reference), and "name" is the name the
// event is about.
void PublishImageEvent(ApiContext& ctx, std::string action, std::string actor, std::string name) {
  if (ctx.events == nullptr) return;
  ctx.events->Publish(
      engine::Event{"image", std::move(action), std::move(actor), {{"name", std::move(name)}}, 0});
}

// The events of a removal, from its result. dockerd logs an "untag" (named
// by the image ID) for each name it removes, except the digest names a
// removed tag leaves orphaned in its repository, then a "delete". Given a
// name rather than an ID (`by_ref`), the image loses that one name first:
// one "untag", and "delete" if it was the last. Untag items belong to the
// image of the next "deleted" item, or to `id`.
void PublishDeleteEvents(ApiContext& ctx, const std::vector<engine::DeleteItem>& items,
                         const std::string& id, bool by_ref) {
  bool first = true;
  for (size_t i = 0; i < items.size(); i++) {
    const engine::DeleteItem& it = items[i];
    if (!it.deleted.empty()) {
      PublishImageEvent(ctx, "delete", it.deleted, it.deleted);
      continue;
    }
    bool logged = !by_ref || first;
    first = false;
    if (!logged) continue;
    std::string owner = id;
    for (size_t j = i + 1; j < items.size(); j++)
      if (!items[j].deleted.empty()) {
        owner = items[j].deleted;
        break;
      }
    PublishImageEvent(ctx, "untag", owner, owner);
  }
}

void SendEngineError(HttpResponder& out, const Error& e) {
  out.SendError(StatusForError(e), e.What());
}

// The request body as a stream: held whole when small, else read from the
// socket as it arrives.
image::ReadFn BodyReader(const HttpRequest& req) {
  if (req.body_reader) return req.body_reader;
  auto offset = std::make_shared<size_t>(0);
  return [&req, offset](char* buf, size_t len) -> Result<size_t> {
    size_t n = std::min(len, req.body.size() - *offset);
    std::memcpy(buf, req.body.data() + *offset, n);
    *offset += n;
    return n;
  };
}

// Reads what is left of a body the route gave up on, so that a client
// still sending it receives the error instead of a broken pipe; a body
// that goes on past the bound is cut off.
void DrainBody(const image::ReadFn& read) {
  constexpr uint64_t kMaxDrain = uint64_t{1} << 30;
  std::vector<char> buf(1 << 16);
  for (uint64_t total = 0; total < kMaxDrain;) {
    auto n = read(buf.data(), buf.size());
    if (!n || *n == 0) return;
    total += *n;
  }
}

// POST /images/create?fromSrc=-&repo=R&tag=T&message=M&changes=C...: docker
// import, the tarball being the request body. The answer is docker's
// stream with one message, {"status": "sha256:<id>"}. fromSrc=URL (a
// tarball the daemon would download) is not offered.
void ImportImage(ApiContext& ctx, const HttpRequest& req, HttpResponder& out) {
  std::string src = req.Query("fromSrc");
  image::ReadFn read = BodyReader(req);
  if (src != "-") {
    DrainBody(read);
    return out.SendError(501, fmt::format("import from a URL ({}) is not supported by berthd: "
                                          "send the tarball as the request body (fromSrc=-)",
                                          src));
  }
  engine::ImageService::ImportRequest ir;
  ir.repo = req.Query("repo");
  ir.tag = req.Query("tag");
  ir.message = req.Query("message");
  if (ir.message.empty()) ir.message = "Imported from " + src;
  auto [b, e] = req.query.equal_range("changes");
  for (auto it = b; it != e; ++it) ir.changes.push_back(it->second);
  ir.platform = req.Query("platform");
  auto id = ctx.images->Import(read, ir);
  if (!id) {
    DrainBody(read);
    // What the client sent (a change, a name, the tarball's content) is at
    // fault unless the error came from the system (an errno: ENOSPC, EIO).
    int status = StatusForError(id.error());
    if (status == 500 && id.error().code() == 0) status = 400;
    return out.SendError(status, id.error().What());
  }
  // dockerd tags the imported image (when named) before it logs the import.
  if (!ir.repo.empty()) {
    if (auto named = image::ParseReference(ir.repo)) {
      if (!ir.tag.empty()) named->tag = ir.tag;
      PublishImageEvent(ctx, "tag", id->String(), named->FamiliarString());
    }
  }
  PublishImageEvent(ctx, "import", id->String(), id->String());
  out.StartStream(200, "application/json");
  out.Write(JsonText(json{{"status", id->String()}}) + "\r\n");
}

// POST /images/create?fromImage=NAME&tag=TAG: a pull, streamed as docker's
// JSON messages. Errors before the first message get a plain status code
// (the CLI prints them as "Error response from daemon: ..."); later ones
// arrive in the stream as {"errorDetail": ..., "error": ...}.
void CreateImage(ApiContext& ctx, const HttpRequest& req, HttpResponder& out) {
  if (!req.Query("fromSrc").empty()) return ImportImage(ctx, req, out);
  std::string from = req.Query("fromImage"), tag = req.Query("tag");
  if (from.empty()) return out.SendError(400, "fromImage is required");
  std::string text = from;
  if (!tag.empty()) text += (tag.starts_with("sha256:") ? "@" : ":") + tag;
  auto ref = image::ParseReference(text);
  if (!ref) return out.SendError(400, ref.error().What());
  std::string platform = req.Query("platform");
  if (!platform.empty() && platform != "linux/amd64" && platform != "linux")
    return out.SendError(400, fmt::format("platform {} is not supported on this host", platform));

  bool client_gone = false;
  auto send = [&](const json& msg) {
    if (!out.started()) out.StartStream(200, "application/json");
    if (!out.Write(JsonText(msg) + "\r\n")) client_gone = true;
  };
  auto progress = [&](const image::PullProgress& p) {
    if (client_gone) return;
    json msg = {{"status", p.status}};
    if (!p.id.empty()) msg["id"] = p.id;
    if (p.current >= 0) {
      msg["progressDetail"] = {{"current", p.current}};
      if (p.total > 0) msg["progressDetail"]["total"] = p.total;
    } else {
      msg["progressDetail"] = json::object();
    }
    send(msg);
  };
  auto result = ctx.images->Pull(*ref, RegistryAuth(req), progress);
  if (!result) {
    Error e = result.error();
    // A registry's "no such repository" and "denied" are both docker's 404.
    int status = e.code() == EACCES ? 404 : StatusForError(e);
    if (!out.started()) return out.SendError(status, e.What());
    return send(json{{"errorDetail", {{"message", e.What()}}}, {"error", e.What()}});
  }
  PublishImageEvent(ctx, "pull", ref->FamiliarString(), ref->FamiliarName());
  send(json{{"status", "Digest: " + result->pulled_digest.String()}});
  send(json{
      {"status", fmt::format("Status: {} for {}",
                             result->downloaded ? "Downloaded newer image" : "Image is up to date",
                             ref->FamiliarString())}});
}

// GET /images/get?names=A&names=B and GET /images/{name}/get: a tar stream.
void GetImages(ApiContext& ctx, const std::vector<std::string>& names, HttpResponder& out) {
  if (names.empty()) return out.SendError(400, "no image names given");
  bool client_gone = false;
  // The images saved, for their "save" events (one per image).
  std::vector<std::string> ids;
  for (const std::string& n : names)
    if (auto id = ctx.images->Resolve(n);
        id && std::find(ids.begin(), ids.end(), id->String()) == ids.end())
      ids.push_back(id->String());
  auto st = ctx.images->Save(names, [&](std::string_view data) -> Status {
    if (!out.started()) out.StartStream(200, "application/x-tar");
    if (!out.Write(data)) {
      client_gone = true;
      return Fail("client went away");
    }
    return Ok();
  });
  if (st) {
    for (const std::string& id : ids) PublishImageEvent(ctx, "save", id, id);
    return;
  }
  if (!out.started()) return SendEngineError(out, st.error());
  // Mid-stream: the only way to tell the client is to cut the stream short
  // (the tar then lacks its end blocks, and docker reports it truncated).
  (void)client_gone;
}

// POST /images/load: the archive is the request body; the answer is a
// JSON message stream ({"stream": "Loaded image: busybox:latest\n"}).
void LoadImages(ApiContext& ctx, const HttpRequest& req, HttpResponder& out) {
  image::ReadFn read = BodyReader(req);
  // docker's quiet=1 drops the per-layer progress; berth sends only the
  // "Loaded image" lines either way.
  auto send = [&](const json& msg) {
    if (!out.started()) out.StartStream(200, "application/json");
    out.Write(JsonText(msg) + "\r\n");
  };
  auto result = ctx.images->Load(read, [&](const std::string& line) {
    if (line.starts_with("Loaded image")) send(json{{"stream", line + "\n"}});
  });
  if (!result) {
    // A bad archive is the client's fault (400), as docker answers it.
    int status = StatusForError(result.error());
    if (!out.started()) return out.SendError(status == 500 ? 400 : status, result.error().What());
    return send(json{{"errorDetail", {{"message", result.error().What()}}},
                     {"error", result.error().What()}});
  }
  for (const image::LoadedImage& img : *result)
    PublishImageEvent(ctx, "load", img.id.String(), img.id.String());
  if (!out.started()) out.SendJson(200, json::object());
}

}  // namespace

void AddImageRoutes(Router& r, ApiContext& ctx) {
  r.Add("GET", "/images/get", [&ctx](const HttpRequest& req, HttpResponder& out) {
    std::vector<std::string> names;
    auto [b, e] = req.query.equal_range("names");
    for (auto it = b; it != e; ++it) names.push_back(it->second);
    GetImages(ctx, names, out);
  });
  r.Add("GET", "/images/{name}/get", [&ctx](const HttpRequest& req, HttpResponder& out) {
    GetImages(ctx, {req.params.at("name")}, out);
  });
  r.Add("POST", "/images/load",
        [&ctx](const HttpRequest& req, HttpResponder& out) { LoadImages(ctx, req, out); });
  r.Add("POST", "/images/create",
        [&ctx](const HttpRequest& req, HttpResponder& out) { CreateImage(ctx, req, out); });

  r.Add("GET", "/images/json", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto filter = ListFilter(req.Query("filters"));
    if (!filter) return SendEngineError(out, filter.error());
    auto list = ctx.images->List();
    if (!list) return SendEngineError(out, list.error());
    // all=1 would add intermediate images; berth keeps none, so it lists
    // the same.
    json arr = json::array();
    for (const auto& d : *list)
      if ((*filter)(d)) arr.push_back(Summary(d, req.api_version));
    out.SendJson(200, arr);
  });

  r.Add("GET", "/images/{name}/json", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto id = ctx.images->Resolve(req.params.at("name"));
    if (!id) return SendEngineError(out, id.error());
    auto d = ctx.images->Details(*id);
    if (!d) return SendEngineError(out, d.error());
    out.SendJson(200, Inspect(*d, req.api_version));
  });

  r.Add("GET", "/images/{name}/history", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto id = ctx.images->Resolve(req.params.at("name"));
    if (!id) return SendEngineError(out, id.error());
    auto d = ctx.images->Details(*id);
    if (!d) return SendEngineError(out, d.error());
    json rows = json::array();
    size_t layer = 0;
    const json& hist = d->config.history;
    for (size_t i = 0; i < hist.size(); i++) {
      const json& h = hist[i];
      bool empty = h.contains("empty_layer") && h["empty_layer"].is_boolean() &&
                   h["empty_layer"].get<bool>();
      int64_t size = 0;
      if (!empty && layer < d->layer_sizes.size()) size = d->layer_sizes[layer++];
      auto str = [&](const char* k) {
        return h.contains(k) && h[k].is_string() ? h[k].get<std::string>() : std::string();
      };
      rows.insert(rows.begin(), json{{"Id", "<missing>"},
                                     {"Created", ParseRfc3339Seconds(str("created"))},
                                     {"CreatedBy", str("created_by")},
                                     {"Tags", nullptr},
                                     {"Size", size},
                                     {"Comment", str("comment")}});
    }
    if (!rows.empty()) {
      rows[0]["Id"] = d->record.id.String();
      rows[0]["Tags"] = d->repo_tags;
    }
    out.SendJson(200, rows);
  });

  r.Add("POST", "/images/{name}/tag", [&ctx](const HttpRequest& req, HttpResponder& out) {
    std::string repo = req.Query("repo"), tag = req.Query("tag");
    if (repo.empty()) return out.SendError(400, "repository name is required");
    std::string target = tag.empty() ? repo : repo + ":" + tag;
    auto st = ctx.images->Tag(req.params.at("name"), target);
    if (!st) {
      int status = st.error().code() == ENOENT ? 404 : 400;
      return out.SendError(status, st.error().What());
    }
    auto id = ctx.images->Resolve(target);
    auto named = image::ParseReference(target);
    if (id && named) PublishImageEvent(ctx, "tag", id->String(), named->FamiliarString());
    out.SendNoContent(201);
  });

  // POST /images/{name}/push?tag=T: streamed as docker streams a push,
  // ending each tag with its digest line and an aux {Tag, Digest, Size}.
  // Without a tag (docker push --all-tags) every local tag of the
  // repository is pushed, in lexical order, as the API defines it.
  r.Add("POST", "/images/{name}/push", [&ctx](const HttpRequest& req, HttpResponder& out) {
    const std::string& name = req.params.at("name");
    std::string tag = req.Query("tag");
    std::vector<image::Reference> refs;
    if (auto repo = image::ParseNormalizedName(name); tag.empty() && repo) {
      auto tags = ctx.images->RepositoryTags(*repo);
      if (!tags) return SendEngineError(out, tags.error());
      refs = std::move(*tags);
    } else {
      // A name that carries its own tag, and no tag parameter, is that tag.
      auto ref = image::ParseReference(tag.empty() ? name : name + ":" + tag);
      if (!ref) return out.SendError(400, ref.error().What());
      refs.push_back(std::move(*ref));
    }
    auto send = [&](const json& msg) {
      if (!out.started()) out.StartStream(200, "application/json");
      out.Write(JsonText(msg) + "\r\n");
    };
    send(json{{"status", "The push refers to repository [" + refs[0].Name() + "]"}});
    for (const image::Reference& ref : refs) {
      auto result = ctx.images->Push(ref, RegistryAuth(req), [&](const image::PushProgress& p) {
        json msg = {{"status", p.status}, {"id", p.id}, {"progressDetail", json::object()}};
        if (p.current >= 0) {
          msg["progressDetail"] = {{"current", p.current}};
          if (p.total > 0) msg["progressDetail"]["total"] = p.total;
        }
        send(msg);
      });
      if (!result) {
        std::string m = result.error().What();
        return send(json{{"errorDetail", {{"message", m}}}, {"error", m}});
      }
      PublishImageEvent(ctx, "push", ref.FamiliarString(), ref.FamiliarName());
      send(json{{"status", fmt::format("{}: digest: {} size: {}", ref.tag, result->digest.String(),
                                       result->size)}});
      send(json{{"progressDetail", json::object()},
                {"aux",
                 {{"Tag", ref.tag}, {"Digest", result->digest.String()}, {"Size", result->size}}}});
    }
  });

  r.Add("POST", "/images/prune", [&ctx](const HttpRequest& req, HttpResponder& out) {
    bool all = false;
    std::string f = req.Query("filters");
    if (!f.empty()) {
      json j = json::parse(f, nullptr, false);
      if (!j.is_object()) return out.SendError(400, "invalid filter: " + f);
      for (auto& [k, v] : j.items()) {
        if (k != "dangling") return out.SendError(400, fmt::format("invalid filter '{}'", k));
        std::string val = v.is_array() && !v.empty() && v[0].is_string() ? v[0].get<std::string>()
                          : v.is_object() && !v.empty()                  ? v.begin().key()
                                                                         : "";
        if (val != "true" && val != "false" && val != "1" && val != "0")
          return out.SendError(400, fmt::format("invalid filter 'dangling={}'", val));
        all = val == "false" || val == "0";
      }
    }
    auto pruned = ctx.images->Prune(all);
    if (!pruned) return SendEngineError(out, pruned.error());
    PublishDeleteEvents(ctx, pruned->items, "", false);
    json items = json::array();
    for (const auto& it : pruned->items)
      items.push_back(it.untagged.empty() ? json{{"Deleted", it.deleted}}
                                          : json{{"Untagged", it.untagged}});
    out.SendJson(200, json{{"ImagesDeleted", items.empty() ? json(nullptr) : items},
                           {"SpaceReclaimed", pruned->space_reclaimed}});
  });

  r.Add("DELETE", "/images/{name}", [&ctx](const HttpRequest& req, HttpResponder& out) {
    const std::string& name = req.params.at("name");
    auto resolved = ctx.images->Resolve(name);
    auto items = ctx.images->Remove(name, req.QueryBool("force"));
    if (!items) return SendEngineError(out, items.error());
    // dockerd's isImageIDPrefix: a name that begins the ID names the image
    // itself rather than one of its tags.
    std::string id = resolved ? resolved->String() : "";
    bool by_id = !id.empty() && (id.starts_with(name) || id.starts_with("sha256:" + name));
    PublishDeleteEvents(ctx, *items, id, !by_id);
    json arr = json::array();
    for (const auto& it : *items)
      arr.push_back(it.untagged.empty() ? json{{"Deleted", it.deleted}}
                                        : json{{"Untagged", it.untagged}});
    out.SendJson(200, arr);
  });
}

}  // namespace berth::api
