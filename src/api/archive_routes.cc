// docker cp's /containers/{id}/archive (HEAD, GET, PUT) and docker
// commit's POST /commit, over the engine's ContainerService.
#include <cstring>
#include <memory>

#include "api/routes.h"
#include "base/base64.h"

namespace berth::api {

using nlohmann::json;

namespace {

void SendFailure(HttpResponder& out, const Error& e) { out.SendError(StatusForError(e), e.What()); }

// X-Docker-Container-Path-Stat: the path's stat as JSON in base64, the
// fields in docker's order (types.ContainerPathStat).
std::string StatHeader(const engine::PathStat& s) {
  nlohmann::ordered_json j;
  j["name"] = s.name;
  j["size"] = s.size;
  j["mode"] = s.mode;
  j["mtime"] = s.mtime;
  j["linkTarget"] = s.link_target;
  return Base64Encode(JsonText(j));
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

// The rest of a body the route gave up on, so that the client gets the
// error rather than a broken pipe (bounded).
void DrainBody(const image::ReadFn& read) {
  std::vector<char> buf(1 << 16);
  for (uint64_t total = 0; total < (uint64_t{1} << 30);) {
    auto n = read(buf.data(), buf.size());
    if (!n || *n == 0) return;
    total += *n;
  }
}

Result<std::string> PathParam(const HttpRequest& req) {
  std::string path = req.Query("path");
  if (path.empty()) return FailAs(EINVAL, "path cannot be empty");
  return path;
}

void StatPath(ApiContext& ctx, const HttpRequest& req, HttpResponder& out) {
  auto path = PathParam(req);
  if (!path) return SendFailure(out, path.error());
  auto st = ctx.containers->StatPath(req.params.at("name"), *path);
  if (!st) return SendFailure(out, st.error());
  out.AddHeader("X-Docker-Container-Path-Stat", StatHeader(*st));
  out.Send(200, "", "");
}

void GetArchive(ApiContext& ctx, const HttpRequest& req, HttpResponder& out) {
  auto path = PathParam(req);
  if (!path) return SendFailure(out, path.error());
  auto s = ctx.containers->ArchivePath(
      req.params.at("name"), *path,
      [&out](const engine::PathStat& st) {
        out.AddHeader("X-Docker-Container-Path-Stat", StatHeader(st));
        out.StartStream(200, "application/x-tar");
      },
      [&out](std::string_view d) -> Status {
        if (!out.Write(d)) return FailAs(EPIPE, "archive: the client went away");
        return Ok();
      });
  if (!s && !out.started()) SendFailure(out, s.error());
}

void PutArchive(ApiContext& ctx, const HttpRequest& req, HttpResponder& out) {
  image::ReadFn read = BodyReader(req);
  auto path = PathParam(req);
  if (!path) {
    DrainBody(read);
    return SendFailure(out, path.error());
  }
  engine::ContainerService::ExtractOptions o;
  o.no_overwrite_dir_non_dir = req.QueryBool("noOverwriteDirNonDir");
  o.copy_uid_gid = req.QueryBool("copyUIDGID");
  auto s = ctx.containers->ExtractToDir(req.params.at("name"), *path, o, read);
  if (!s) {
    DrainBody(read);
    return SendFailure(out, s.error());
  }
  out.Send(200, "", "");
}

void Commit(ApiContext& ctx, const HttpRequest& req, HttpResponder& out) {
  engine::ContainerService::CommitRequest cr;
  std::string container = req.Query("container");
  cr.repo = req.Query("repo");
  cr.tag = req.Query("tag");
  cr.comment = req.Query("comment");
  cr.author = req.Query("author");
  // docker: pause unless told otherwise (an absent value is true).
  cr.pause = req.Query("pause").empty() || req.QueryBool("pause");
  auto [b, e] = req.query.equal_range("changes");
  for (auto it = b; it != e; ++it)
    if (!it->second.empty()) cr.changes.push_back(it->second);
  if (!req.body.empty()) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !(body.is_object() || body.is_null()))
      return out.SendError(400, "commit: the Config body is not a JSON object");
    cr.config = body;
  }
  auto id = ctx.containers->Commit(container, cr);
  if (!id) return SendFailure(out, id.error());
  out.SendJson(201, {{"Id", id->String()}});
}

}  // namespace

void AddArchiveRoutes(Router& r, ApiContext& ctx) {
  r.Add("HEAD", "/containers/{name}/archive",
        [&ctx](const HttpRequest& req, HttpResponder& out) { StatPath(ctx, req, out); });
  r.Add("GET", "/containers/{name}/archive",
        [&ctx](const HttpRequest& req, HttpResponder& out) { GetArchive(ctx, req, out); });
  r.Add("PUT", "/containers/{name}/archive",
        [&ctx](const HttpRequest& req, HttpResponder& out) { PutArchive(ctx, req, out); });
  r.Add("POST", "/commit",
        [&ctx](const HttpRequest& req, HttpResponder& out) { Commit(ctx, req, out); });
}

}  // namespace berth::api
