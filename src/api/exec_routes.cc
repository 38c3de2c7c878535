// /containers/{id}/exec and /exec/...: docker's exec endpoints, and the
// container's changes and export, over the engine's ContainerService.
#include "api/routes.h"

#include <tuple>
#include <utility>

namespace berth::api {

using nlohmann::json;

namespace {

void SendFailure(HttpResponder& out, const Error& e) { out.SendError(StatusForError(e), e.What()); }

// The strings of a JSON array member; EINVAL names the field otherwise.
Result<std::vector<std::string>> Strings(const json& body, const char* key) {
  std::vector<std::string> out;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) return FailAs(EINVAL, "{}: must be an array of strings", key);
  for (const auto& v : *it) {
    if (!v.is_string()) return FailAs(EINVAL, "{}: must be an array of strings", key);
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<bool> Bool(const json& body, const char* key, bool def) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return def;
  if (!it->is_boolean()) return FailAs(EINVAL, "{}: must be a boolean", key);
  return it->get<bool>();
}

Result<std::string> String(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) return FailAs(EINVAL, "{}: must be a string", key);
  return it->get<std::string>();
}

// docker's ConsoleSize, [height, width] (API 1.42+, on exec create and
// start): the terminal's size from its first byte, so a shell never sees
// 0x0 before the client's resize arrives. Absent or null: {0, 0}.
Result<std::pair<unsigned, unsigned>> ConsoleSize(const json& body) {
  auto it = body.find("ConsoleSize");
  if (it == body.end() || it->is_null()) return std::pair<unsigned, unsigned>{0, 0};
  if (!it->is_array() || it->size() != 2 || !(*it)[0].is_number_unsigned() ||
      !(*it)[1].is_number_unsigned() || (*it)[0].get<uint64_t>() > 65535 ||
      (*it)[1].get<uint64_t>() > 65535)
    return FailAs(EINVAL, "ConsoleSize: want [height, width], each 0-65535");
  return std::pair<unsigned, unsigned>{(*it)[0].get<unsigned>(), (*it)[1].get<unsigned>()};
}

Result<engine::ContainerService::ExecConfig> ParseExecConfig(const std::string& text) {
  json body = json::parse(text, nullptr, false);
  if (!body.is_object()) return FailAs(EINVAL, "exec config: not a JSON object");
  engine::ContainerService::ExecConfig c;
  c.cmd = TRY(Strings(body, "Cmd"));
  c.env = TRY(Strings(body, "Env"));
  c.user = TRY(String(body, "User"));
  c.working_dir = TRY(String(body, "WorkingDir"));
  c.detach_keys = TRY(String(body, "DetachKeys"));
  c.tty = TRY(Bool(body, "Tty", false));
  c.attach_stdin = TRY(Bool(body, "AttachStdin", false));
  c.attach_stdout = TRY(Bool(body, "AttachStdout", false));
  c.attach_stderr = TRY(Bool(body, "AttachStderr", false));
  std::tie(c.console_height, c.console_width) = TRY(ConsoleSize(body));
  if (TRY(Bool(body, "Privileged", false)))
    return FailAs(EINVAL, "privileged exec is not supported by berth yet");
  return c;
}

json ExecJson(const engine::ContainerService::ExecInfo& e) {
  std::vector<std::string> args(e.config.cmd.begin() + (e.config.cmd.empty() ? 0 : 1),
                                e.config.cmd.end());
  return {{"ID", e.id},
          {"ContainerID", e.container_id},
          {"Running", e.running},
          {"ExitCode", e.exit_code ? json(*e.exit_code) : json(nullptr)},
          {"Pid", e.pid},
          {"OpenStdin", e.config.attach_stdin},
          {"OpenStdout", e.config.attach_stdout},
          {"OpenStderr", e.config.attach_stderr},
          {"CanRemove", false},
          {"DetachKeys", e.config.detach_keys},
          {"ProcessConfig",
           {{"tty", e.config.tty},
            {"entrypoint", e.config.cmd.empty() ? "" : e.config.cmd[0]},
            {"arguments", args},
            {"privileged", false},
            {"user", e.config.user}}}};
}

}  // namespace

void AddExecRoutes(Router& r, ApiContext& ctx) {
  r.Add("POST", "/containers/{name}/exec", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto config = ParseExecConfig(req.body);
    if (!config) return out.SendError(400, config.error().What());
    auto id = ctx.containers->ExecCreate(req.params.at("name"), std::move(*config));
    if (!id) return SendFailure(out, id.error());
    out.SendJson(201, {{"Id", *id}});
  });
  r.Add("POST", "/exec/{id}/start", [&ctx](const HttpRequest& req, HttpResponder& out) {
    json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    if (!body.is_object()) return out.SendError(400, "exec start: not a JSON object");
    auto detach = Bool(body, "Detach", false);
    if (!detach) return out.SendError(400, detach.error().What());
    auto size = ConsoleSize(body);
    if (!size) return out.SendError(400, size.error().What());
    const std::string& id = req.params.at("id");
    if (size->first && size->second) {
      auto s = ctx.containers->ExecSetConsoleSize(id, size->first, size->second);
      if (!s) return SendFailure(out, s.error());
    }
    auto tty = ctx.containers->ExecPrepare(id);
    if (!tty) return SendFailure(out, tty.error());
    if (*detach) {
      auto s = ctx.containers->ExecStart(id, true, -1, "");
      if (!s) return SendFailure(out, s.error());
      return out.SendNoContent(200);
    }
    std::string buffered;
    bool multiplexed = !*tty && CompareApiVersions(req.api_version, "1.42") >= 0;
    auto fd = out.Hijack(multiplexed ? "application/vnd.docker.multiplexed-stream"
                                     : "application/vnd.docker.raw-stream",
                         req, &buffered);
    if (!fd) return;
    (void)ctx.containers->ExecStart(id, false, *fd, std::move(buffered));
  });
  r.Add("POST", "/exec/{id}/resize", [&ctx](const HttpRequest& req, HttpResponder& out) {
    int h = 0, w = 0;
    try {
      h = std::stoi(req.Query("h"));
      w = std::stoi(req.Query("w"));
    } catch (...) {
      return out.SendError(400, "resize: h and w must be numbers");
    }
    if (h < 0 || w < 0) return out.SendError(400, "resize: h and w must be non-negative");
    auto s = ctx.containers->ExecResize(req.params.at("id"), static_cast<unsigned>(h),
                                        static_cast<unsigned>(w));
    if (!s) return SendFailure(out, s.error());
    out.Send(200, "text/plain", "");
  });
  r.Add("GET", "/exec/{id}/json", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto e = ctx.containers->ExecInspect(req.params.at("id"));
    if (!e) return SendFailure(out, e.error());
    out.SendJson(200, ExecJson(*e));
  });
  r.Add("GET", "/containers/{name}/changes", [&ctx](const HttpRequest& req, HttpResponder& out) {
    auto changes = ctx.containers->Changes(req.params.at("name"));
    if (!changes) return SendFailure(out, changes.error());
    json list = json::array();
    for (const engine::Change& c : *changes) list.push_back({{"Path", c.path}, {"Kind", c.kind}});
    out.SendJson(200, list.empty() ? json(nullptr) : list);
  });
  r.Add("GET", "/containers/{name}/export", [&ctx](const HttpRequest& req, HttpResponder& out) {
    const std::string& name = req.params.at("name");
    if (auto rec = ctx.containers->Inspect(name); !rec) return SendFailure(out, rec.error());
    auto s = ctx.containers->Export(name, [&out](std::string_view d) -> Status {
      if (!out.started()) out.StartStream(200, "application/x-tar");
      if (!out.Write(d)) return FailAs(EPIPE, "export: the client went away");
      return Ok();
    });
    if (!s && !out.started()) SendFailure(out, s.error());
  });
}

}  // namespace berth::api
