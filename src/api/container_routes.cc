// /containers/...: docker's container endpoints over the engine's
// ContainerService. Each route reads its query and body, calls the engine
// once, and answers with docker's status codes and shapes.
#include <chrono>

#include "api/container_json.h"
#include "api/filters.h"
#include "api/routes.h"
#include "base/clock.h"

namespace berth::api {

using nlohmann::json;

namespace {

void SendFailure(HttpResponder& out, const Error& e) {
  if (e.code() == EALREADY) {
    out.SendNoContent(304);
    return;
  }
  out.SendError(StatusForError(e), e.What());
}

// A route body that answers 204, or the error.
template <class Fn>
Handler NoContent(ApiContext& ctx, Fn fn) {
  return [&ctx, fn](const HttpRequest& req, HttpResponder& out) {
    Status s = fn(*ctx.containers, req);
    if (!s) return SendFailure(out, s.error());
    out.SendNoContent();
  };
}

std::optional<int> OptionalInt(const HttpRequest& req, const std::string& key) {
  std::string v = req.Query(key);
  if (v.empty()) return std::nullopt;
  try {
    size_t used = 0;
    int n = std::stoi(v, &used);
    if (used == v.size()) return n;
  } catch (...) {
  }
  return std::nullopt;
}

// Seconds ("1700000000", "1700000000.5") or RFC 3339, as nanoseconds; 0
// when empty.
int64_t TimeParam(const std::string& v) {
  if (v.empty()) return 0;
  if (v.find('T') != std::string::npos) return ParseRfc3339Nanos(v);
  try {
    return static_cast<int64_t>(std::stold(v) * 1e9L);
  } catch (...) {
    return 0;
  }
}

json ImageConfigOf(ApiContext& ctx, const engine::ContainerRecord& rec) {
  auto id = image::ParseDigest(rec.image_id);
  if (!id) return json::object();
  auto d = ctx.images->Details(*id);
  return d ? d->config.config : json::object();
}

bool MatchesFilters(const Filters& f, const engine::ContainerRecord& rec, const json& labels) {
  auto any = [&](const std::string& key, auto pred) {
    auto it = f.find(key);
    if (it == f.end()) return true;
    for (const std::string& v : it->second)
      if (pred(v)) return true;
    return false;
  };
  return any("id", [&](const std::string& v) { return rec.id.rfind(v, 0) == 0; }) &&
         any("name",
             [&](const std::string& v) {
               std::string n = v[0] == '/' ? v.substr(1) : v;
               return rec.name.find(n) != std::string::npos;
             }) &&
         any("status",
             [&](const std::string& v) { return v == engine::StatusName(rec.state.status); }) &&
         any("exited",
             [&](const std::string& v) {
               return rec.state.status == engine::ContainerStatus::kExited &&
                      std::to_string(rec.state.exit_code) == v;
             }) &&
         any("ancestor",
             [&](const std::string& v) {
               return v == rec.image_ref || rec.image_id == v || rec.image_id == "sha256:" + v;
             }) &&
         any("label",
             [&](const std::string& v) {
               size_t eq = v.find('=');
               std::string k = v.substr(0, eq);
               if (!labels.contains(k)) return false;
               return eq == std::string::npos || labels[k] == v.substr(eq + 1);
             }) &&
         // --- restart policies, health checks, stats ---
         any("health", [&](const std::string& v) {
           const json& h = rec.state.health;
           std::string status = h.is_object() ? h.value("Status", "none") : "none";
           return v == status;
         });
}

void CreateRoute(ApiContext& ctx, const HttpRequest& req, HttpResponder& out) {
  auto request = engine::ParseCreateRequest(req.body);
  if (!request) return out.SendError(400, request.error().What());
  auto id = ctx.containers->Create(*request, req.Query("name"));
  if (!id) return SendFailure(out, id.error());
  out.SendJson(201, {{"Id", *id}, {"Warnings", json::array()}});
}

void WaitRoute(ApiContext& ctx, const HttpRequest& req, HttpResponder& out) {
  std::string cond = req.Query("condition", "not-running");
  engine::WaitCondition c;
  if (cond == "not-running" || cond.empty())
    c = engine::WaitCondition::kNotRunning;
  else if (cond == "next-exit")
    c = engine::WaitCondition::kNextExit;
  else if (cond == "removed")
    c = engine::WaitCondition::kRemoved;
  else
    return out.SendError(400, "invalid condition: \"" + cond + "\"");
  const std::string& name = req.params.at("name");
  // The container must exist before the answer starts: a 404 is a status.
  if (auto rec = ctx.containers->Inspect(name); !rec) return SendFailure(out, rec.error());
  // The status line goes out once the wait is registered, as dockerd
  // flushes it: a client that sees it can start the container.
  auto r = ctx.containers->Wait(
      name, c, [&out] { return out.ClientGone(); },
      [&out] { out.StartStream(200, "application/json"); });
  if (!out.started()) out.StartStream(200, "application/json");
  if (!r) {
    if (r.error().code() != ECANCELED)
      out.Write(JsonText(json{{"StatusCode", -1}, {"Error", {{"Message", r.error().What()}}}}) +
                "\n");
    return;
  }
  json body = {{"StatusCode", r->status_code}, {"Error", nullptr}};
  if (!r->error.empty()) body["Error"] = {{"Message", r->error}};
  out.Write(JsonText(body) + "\n");
}

void LogsRoute(ApiContext& ctx, const HttpRequest& req, HttpResponder& out) {
  const std::string& name = req.params.at("name");
  auto rec = ctx.containers->Inspect(name);
  if (!rec) return SendFailure(out, rec.error());
  engine::LogOptions o;
  o.follow = req.QueryBool("follow");
  o.stdout = req.QueryBool("stdout");
  o.stderr = req.QueryBool("stderr");
  if (!o.stdout && !o.stderr)
    return out.SendError(400, "Bad parameters: you must choose at least one stream");
  o.timestamps = req.QueryBool("timestamps");
  o.since_nano = TimeParam(req.Query("since"));
  o.until_nano = TimeParam(req.Query("until"));
  std::string tail = req.Query("tail", "all");
  if (tail != "all" && !tail.empty()) {
    auto n = OptionalInt(req, "tail");
    o.tail = n && *n >= 0 ? *n : -1;
  }
  bool tty = rec->config.value("Tty", false);
  bool multiplexed = !tty && CompareApiVersions(req.api_version, "1.42") >= 0;
  out.StartStream(200, multiplexed ? "application/vnd.docker.multiplexed-stream"
                                   : "application/vnd.docker.raw-stream");
  auto s = ctx.containers->Logs(name, o, [&out](std::string_view d) {
    if (d.empty()) return !out.ClientGone();
    return out.Write(d);
  });
  (void)s;
}

void AttachRoute(ApiContext& ctx, const HttpRequest& req, HttpResponder& out) {
  engine::ContainerService::AttachOptions o;
  o.stream = req.QueryBool("stream");
  o.logs = req.QueryBool("logs");
  o.stdin = req.QueryBool("stdin");
  o.stdout = req.QueryBool("stdout");
  o.stderr = req.QueryBool("stderr");
  o.detach_keys = req.Query("detachKeys");
  if (!o.logs && !o.stream)
    return out.SendError(400, "Bad parameters: you must choose at least one stream");
  auto ticket = ctx.containers->PrepareAttach(req.params.at("name"), o.stream);
  if (!ticket) return SendFailure(out, ticket.error());
  std::string buffered;
  bool multiplexed = !ticket->tty && CompareApiVersions(req.api_version, "1.42") >= 0;
  auto fd = out.Hijack(multiplexed ? "application/vnd.docker.multiplexed-stream"
                                   : "application/vnd.docker.raw-stream",
                       req, &buffered);
  if (!fd) return ctx.containers->CancelAttach(*ticket);
  (void)ctx.containers->Attach(*ticket, o, *fd, std::move(buffered));
}

void ListRoute(ApiContext& ctx, const HttpRequest& req, HttpResponder& out) {
  auto filters = ParseFilters(req.Query("filters"));
  if (!filters) return out.SendError(400, filters.error().What());
  if (auto s = CheckFilterNames(*filters,
                                {"id", "name", "status", "exited", "ancestor", "label", "health"});
      !s)
    return out.SendError(400, s.error().What());
  // --- restart policies, health checks, stats ---
  if (filters->count("health"))
    for (const std::string& v : (*filters)["health"])
      if (v != "starting" && v != "healthy" && v != "unhealthy" && v != "none")
        return out.SendError(400, "Unrecognised filter value for health: " + v);
  auto all = ctx.containers->List();
  if (!all) return SendFailure(out, all.error());
  bool show_all = req.QueryBool("all");
  auto limit = OptionalInt(req, "limit");
  if (limit && *limit > 0) show_all = true;
  bool size = req.QueryBool("size");
  json list = json::array();
  for (const engine::ContainerRecord& rec : *all) {
    if (limit && *limit > 0 && list.size() >= static_cast<size_t>(*limit)) break;
    // A container waiting to restart is listed with the running ones, as
    // docker lists it.
    bool running =
        engine::IsRunning(rec.state) || rec.state.status == engine::ContainerStatus::kRestarting;
    if (!show_all && !running && !filters->count("status") && !filters->count("exited")) continue;
    json image_config = ImageConfigOf(ctx, rec);
    int64_t size_rw = size ? ctx.containers->WritableLayerBytes(rec.id) : -1;
    json summary = ContainerSummaryJson(rec, image_config, size_rw);
    if (!MatchesFilters(*filters, rec, summary["Labels"])) continue;
    list.push_back(std::move(summary));
  }
  out.SendJson(200, list);
}

}  // namespace

void AddContainerRoutes(Router& r, ApiContext& ctx) {
  r.Add("POST", "/containers/create",
        [&ctx](const HttpRequest& req, HttpResponder& out) { CreateRoute(ctx, req, out); });
  r.Add("GET", "/containers/json",
        [&ctx](const HttpRequest& req, HttpResponder& out) { ListRoute(ctx, req, out); });
  r.Add("GET", "/containers/{name}/json", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto rec = ctx.containers->Inspect(req.params.at("name"));
    if (!rec) return SendFailure(out, rec.error());
    int64_t size_rw = req.QueryBool("size") ? ctx.containers->WritableLayerBytes(rec->id) : -1;
    // Mounts lists what --volumes-from brings too, while those containers
    // exist (docker copies them into the record at create).
    auto points = ctx.containers->MountPoints(*rec);
    out.SendJson(200, ContainerInspectJson(*rec, ImageConfigOf(ctx, *rec), size_rw,
                                           points ? &*points : nullptr));
  });
  r.Add("POST", "/containers/{name}/start",
        NoContent(ctx, [](engine::ContainerService& c, const HttpRequest& req) {
          return c.Start(req.params.at("name"));
        }));
  r.Add("POST", "/containers/{name}/stop",
        NoContent(ctx, [](engine::ContainerService& c, const HttpRequest& req) {
          return c.Stop(req.params.at("name"), OptionalInt(req, "t"), req.Query("signal"));
        }));
  r.Add("POST", "/containers/{name}/restart",
        NoContent(ctx, [](engine::ContainerService& c, const HttpRequest& req) {
          return c.Restart(req.params.at("name"), OptionalInt(req, "t"), req.Query("signal"));
        }));
  r.Add("POST", "/containers/{name}/kill",
        NoContent(ctx, [](engine::ContainerService& c, const HttpRequest& req) {
          return c.Kill(req.params.at("name"), req.Query("signal"));
        }));
  r.Add("POST", "/containers/{name}/pause",
        NoContent(ctx, [](engine::ContainerService& c, const HttpRequest& req) {
          return c.Pause(req.params.at("name"));
        }));
  r.Add("POST", "/containers/{name}/unpause",
        NoContent(ctx, [](engine::ContainerService& c, const HttpRequest& req) {
          return c.Unpause(req.params.at("name"));
        }));
  r.Add("POST", "/containers/{name}/rename",
        NoContent(ctx, [](engine::ContainerService& c, const HttpRequest& req) {
          return c.Rename(req.params.at("name"), req.Query("name"));
        }));
  r.Add("DELETE", "/containers/{name}",
        NoContent(ctx, [](engine::ContainerService& c, const HttpRequest& req) {
          return c.Remove(req.params.at("name"), req.QueryBool("force"), req.QueryBool("v"));
        }));
  r.Add("POST", "/containers/{name}/resize", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto h = OptionalInt(req, "h"), w = OptionalInt(req, "w");
    if (!h || !w || *h < 0 || *w < 0)
      return out.SendError(400, "resize: h and w must be non-negative numbers");
    auto s = ctx.containers->Resize(req.params.at("name"), static_cast<unsigned>(*h),
                                    static_cast<unsigned>(*w));
    if (!s) return SendFailure(out, s.error());
    out.Send(200, "text/plain", "");
  });
  r.Add("POST", "/containers/{name}/wait",
        [&ctx](const HttpRequest& req, HttpResponder& out) { WaitRoute(ctx, req, out); });
  r.Add("GET", "/containers/{name}/logs",
        [&ctx](const HttpRequest& req, HttpResponder& out) { LogsRoute(ctx, req, out); });
  r.Add("POST", "/containers/{name}/attach",
        [&ctx](const HttpRequest& req, HttpResponder& out) { AttachRoute(ctx, req, out); });
  r.Add("GET", "/containers/{name}/top", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto top = ctx.containers->Top(req.params.at("name"), req.Query("ps_args"));
    if (!top) return SendFailure(out, top.error());
    out.SendJson(200, {{"Titles", top->titles}, {"Processes", top->processes}});
  });
  r.Add("POST", "/containers/prune", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto filters = ParseFilters(req.Query("filters"));
    if (!filters) return out.SendError(400, filters.error().What());
    if (auto s = CheckFilterNames(*filters, {"label", "until"}); !s)
      return out.SendError(400, s.error().What());
    int64_t until = 0;
    if (filters->count("until") && !(*filters)["until"].empty())
      until = TimeParam((*filters)["until"][0]);
    std::map<std::string, int64_t> sizes;
    auto removed = ctx.containers->Prune([&](const engine::ContainerRecord& rec) {
      if (until && ParseRfc3339Nanos(rec.created) >= until) return false;
      json labels = rec.config.value("Labels", json::object());
      Filters only_labels;
      if (filters->count("label")) only_labels["label"] = (*filters)["label"];
      if (!MatchesFilters(only_labels, rec, labels)) return false;
      sizes[rec.id] = ctx.containers->WritableLayerBytes(rec.id);
      return true;
    });
    if (!removed) return SendFailure(out, removed.error());
    int64_t reclaimed = 0;
    for (const std::string& id : *removed) reclaimed += sizes[id];
    out.SendJson(200, {{"ContainersDeleted", *removed}, {"SpaceReclaimed", reclaimed}});
  });
}

}  // namespace berth::api
