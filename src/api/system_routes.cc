#include <fmt/core.h>

#include "api/routes.h"
#include "base/clock.h"
#include "engine/host_info.h"

namespace berth::api {

using nlohmann::json;

int StatusForError(const Error& e) {
  switch (e.code()) {
    case ENOENT:
      return 404;
    case EEXIST:
    case EBUSY:
      return 409;
    case EINVAL:
      return 400;
    case EACCES:
    case EPERM:
      return 403;
    default:
      return 500;
  }
}

namespace {

// docker's GOARCH spelling of the host's machine name.
std::string GoArch(const std::string& machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  return machine;
}

void Ping(const HttpRequest&, HttpResponder& out) {
  // The CLI reads Api-Version (set on every response) to negotiate.
  out.Send(200, "text/plain; charset=utf-8", "OK");
}

}  // namespace

void AddSystemRoutes(Router& r, ApiContext& ctx) {
  r.Add("GET", "/_ping", Ping);
  r.Add("HEAD", "/_ping", Ping);

  // POST /auth: docker login asks the daemon to check credentials against
  // the registry; the client stores them.
  r.Add("POST", "/auth", [&ctx](const HttpRequest& req, HttpResponder& out) {
    json j = json::parse(req.body, nullptr, false);
    if (!j.is_object()) return out.SendError(400, "malformed auth config: not a JSON object");
    auto str = [&](const char* k) {
      return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
    };
    image::Credentials c{str("username"), str("password"), str("identitytoken")};
    auto st = ctx.images->Login(str("serveraddress"), c);
    if (!st) return out.SendError(st.error().code() == EACCES ? 401 : 500, st.error().What());
    out.SendJson(200, json{{"Status", "Login Succeeded"}, {"IdentityToken", ""}});
  });

  r.Add("GET", "/version", [&ctx](const HttpRequest&, HttpResponder& out) {
    engine::HostInfo h = engine::ReadHostInfo();
    json details = {{"ApiVersion", kMaxApiVersion},
                    {"Arch", GoArch(h.architecture)},
                    {"BuildTime", ""},
                    {"Experimental", "false"},
                    {"GitCommit", ""},
                    {"GoVersion", ""},
                    {"KernelVersion", h.kernel_version},
                    {"MinAPIVersion", kMinApiVersion},
                    {"Os", "linux"}};
    out.SendJson(
        200, json{{"Platform", {{"Name", "berth"}}},
                  {"Components",
                   json::array(
                       {json{{"Name", "Engine"}, {"Version", ctx.version}, {"Details", details}}})},
                  {"Version", ctx.version},
                  {"ApiVersion", kMaxApiVersion},
                  {"MinAPIVersion", kMinApiVersion},
                  {"GitCommit", ""},
                  {"GoVersion", ""},
                  {"Os", "linux"},
                  {"Arch", GoArch(h.architecture)},
                  {"KernelVersion", h.kernel_version},
                  {"BuildTime", ""}});
  });

  r.Add("GET", "/info", [&ctx](const HttpRequest&, HttpResponder& out) {
    engine::HostInfo h = engine::ReadHostInfo();
    auto images = ctx.images->store().ListImages();
    json insecure = json::array({"127.0.0.0/8"});
    json index_configs = json::object();
    for (const std::string& reg : ctx.config.insecure_registries) {
      index_configs[reg] = {
          {"Name", reg}, {"Mirrors", json::array()}, {"Secure", false}, {"Official", false}};
    }
    index_configs["docker.io"] = {{"Name", "docker.io"},
                                  {"Mirrors", ctx.config.registry_mirrors},
                                  {"Secure", true},
                                  {"Official", true}};
    int64_t total = 0, running = 0, paused = 0;
    if (ctx.containers) {
      if (auto all = ctx.containers->List()) {
        total = static_cast<int64_t>(all->size());
        for (const auto& c : *all) {
          running += c.state.status == engine::ContainerStatus::kRunning;
          paused += c.state.status == engine::ContainerStatus::kPaused;
        }
      }
    }
    // userns-remap: dockerd lists "name=userns" among the security options.
    json security_options = json::array({"name=seccomp,profile=default"});
    if (!ctx.config.userns_remap.empty()) security_options.push_back("name=userns");
    out.SendJson(
        200, json{{"ID", ctx.daemon_id},
                  {"Containers", total},
                  {"ContainersRunning", running},
                  {"ContainersPaused", paused},
                  {"ContainersStopped", total - running - paused},
                  {"Images", images ? images->size() : 0},
                  {"Driver", "overlay2"},
                  {"DriverStatus", json::array({json::array({"Backing Filesystem", "overlayfs"})})},
                  {"DockerRootDir", ctx.config.data_root},
                  {"Plugins",
                   {{"Volume", json::array({"local"})},
                    {"Network", json::array({"bridge", "host", "none"})},
                    {"Log", json::array({"json-file"})}}},
                  {"MemoryLimit", true},
                  {"SwapLimit", true},
                  {"CpuCfsPeriod", true},
                  {"CpuCfsQuota", true},
                  {"CPUShares", true},
                  {"CPUSet", true},
                  {"PidsLimit", true},
                  {"IPv4Forwarding", true},
                  {"Debug", ctx.config.debug},
                  {"NFd", 0},
                  {"NGoroutines", 0},
                  {"SystemTime", NowRfc3339Nano()},
                  {"LoggingDriver", "json-file"},
                  {"CgroupDriver", "cgroupfs"},
                  {"CgroupVersion", h.cgroup_version},
                  {"NEventsListener", 0},
                  {"KernelVersion", h.kernel_version},
                  {"OperatingSystem", h.operating_system},
                  {"OSVersion", h.os_version},
                  {"OSType", "linux"},
                  {"Architecture", h.architecture},
                  {"IndexServerAddress", "https://index.docker.io/v1/"},
                  {"RegistryConfig",
                   {{"AllowNondistributableArtifactsCIDRs", json::array()},
                    {"AllowNondistributableArtifactsHostnames", json::array()},
                    {"InsecureRegistryCIDRs", insecure},
                    {"IndexConfigs", index_configs},
                    {"Mirrors", ctx.config.registry_mirrors}}},
                  {"NCPU", h.ncpu},
                  {"MemTotal", h.mem_total},
                  {"Name", h.hostname},
                  {"Labels", json::array()},
                  {"ExperimentalBuild", false},
                  {"ServerVersion", ctx.version},
                  {"Runtimes", {{"berth-runtime", {{"path", "berth-runtime"}}}}},
                  {"DefaultRuntime", "berth-runtime"},
                  {"Swarm",
                   {{"NodeID", ""},
                    {"NodeAddr", ""},
                    {"LocalNodeState", "inactive"},
                    {"ControlAvailable", false},
                    {"Error", ""},
                    {"RemoteManagers", nullptr}}},
                  {"LiveRestoreEnabled", true},
                  {"Isolation", ""},
                  {"InitBinary", ""},
                  {"SecurityOptions", security_options},
                  {"Warnings", json::array()}});
  });
}

}  // namespace berth::api
