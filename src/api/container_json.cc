#include "api/container_json.h"

#include <fmt/core.h>

#include "base/clock.h"
#include "engine/container_config.h"
#include "engine/container_spec.h"

namespace berth::api {

using nlohmann::json;

namespace {

constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

std::string OrZero(const std::string& t) { return t.empty() ? kZeroTime : t; }

// The command docker shows: Entrypoint + Cmd after its merge rules.
std::vector<std::string> Command(const engine::ContainerConfig& c, const json& image_config) {
  auto cmd = engine::MergeCommand(c, image_config);
  return cmd ? *cmd : std::vector<std::string>{};
}

std::string Hostname(const engine::ContainerRecord& rec, const engine::ContainerConfig& c) {
  return c.hostname.empty() ? rec.id.substr(0, 12) : c.hostname;
}

// The Config docker shows: what the container runs with, the image's
// values merged in.
json MergedConfig(const engine::ContainerRecord& rec, const engine::ContainerConfig& c,
                  const json& image_config) {
  json j = rec.config;
  j["Hostname"] = Hostname(rec, c);
  auto env = engine::MergeEnv(image_config, c.env, Hostname(rec, c), c.tty);
  // docker's Config.Env leaves out what it adds at run time.
  json env_list = json::array();
  if (env)
    for (const std::string& e : *env)
      if (e.rfind("HOSTNAME=", 0) != 0 && (c.tty || e.rfind("TERM=", 0) != 0))
        env_list.push_back(e);
  j["Env"] = env_list;
  if (!c.cmd && image_config.contains("Cmd")) j["Cmd"] = image_config["Cmd"];
  if (!c.entrypoint && image_config.contains("Entrypoint"))
    j["Entrypoint"] = image_config["Entrypoint"];
  if (c.working_dir.empty()) j["WorkingDir"] = image_config.value("WorkingDir", std::string());
  if (c.user.empty()) j["User"] = image_config.value("User", std::string());
  json labels = image_config.contains("Labels") && image_config["Labels"].is_object()
                    ? image_config["Labels"]
                    : json::object();
  for (const auto& [k, v] : c.labels) labels[k] = v;
  j["Labels"] = labels;
  if (c.stop_signal.empty() && image_config.contains("StopSignal"))
    j["StopSignal"] = image_config["StopSignal"];
  // --- restart policies, health checks, stats ---
  // The check it runs: its own merged over the image's, as dockerd keeps it.
  if (engine::HealthConfig hc = engine::MergeHealthConfig(c.healthcheck, image_config);
      !hc.test.empty()) {
    hc.present = true;
    engine::HealthConfigToJson(hc, &j);
  }
  j["Volumes"] = nullptr;
  j["OnBuild"] = nullptr;
  return j;
}

json StateJson(const engine::ContainerState& s) {
  using engine::ContainerStatus;
  // --- restart policies, health checks, stats ---
  // A container waiting to restart is running in docker's sense; Health
  // only when it has a check.
  json state = {{"Status", engine::StatusName(s.status)},
                {"Running", engine::IsRunning(s) || s.status == ContainerStatus::kRestarting},
                {"Paused", s.status == ContainerStatus::kPaused},
                {"Restarting", s.status == ContainerStatus::kRestarting},
                {"OOMKilled", s.oom_killed},
                {"Dead", s.status == ContainerStatus::kDead},
                {"Pid", s.pid},
                {"ExitCode", s.exit_code},
                {"Error", s.error},
                {"StartedAt", OrZero(s.started_at)},
                {"FinishedAt", OrZero(s.finished_at)}};
  if (s.health.is_object()) state["Health"] = s.health;
  return state;
}

}  // namespace

std::string StatusText(const engine::ContainerState& s, int64_t now) {
  using engine::ContainerStatus;
  switch (s.status) {
    case ContainerStatus::kCreated:
      return "Created";
    case ContainerStatus::kRunning:
    case ContainerStatus::kPaused: {
      std::string up = "Up " + HumanDuration(now - ParseRfc3339Seconds(s.started_at));
      if (s.status == ContainerStatus::kPaused) return up + " (Paused)";
      // --- restart policies, health checks, stats ---
      // docker's "Up 3 seconds (healthy)", "(health: starting)".
      if (s.health.is_object()) {
        std::string h = s.health.value("Status", "");
        if (h == "starting") h = "health: starting";
        if (!h.empty()) up += " (" + h + ")";
      }
      return up;
    }
    case ContainerStatus::kRestarting:
      return fmt::format("Restarting ({}) {} ago", s.exit_code,
                         HumanDuration(now - ParseRfc3339Seconds(s.finished_at)));
    case ContainerStatus::kRemoving:
      return "Removal In Progress";
    case ContainerStatus::kDead:
      return "Dead";
    case ContainerStatus::kExited:
      if (s.finished_at.empty()) return "Created";
      return fmt::format("Exited ({}) {} ago", s.exit_code,
                         HumanDuration(now - ParseRfc3339Seconds(s.finished_at)));
  }
  return "";
}

json ContainerInspectJson(const engine::ContainerRecord& rec, const json& image_config,
                          int64_t size_rw, const std::vector<engine::MountPoint>* mount_points) {
  auto parsed = engine::ParseContainerConfig(rec.config);
  engine::ContainerConfig c = parsed ? *parsed : engine::ContainerConfig{};
  std::vector<std::string> cmd = Command(c, image_config);
  json args = json::array();
  for (size_t i = 1; i < cmd.size(); i++) args.push_back(cmd[i]);
  json host_config = rec.host_config;
  if (!host_config.contains("RestartPolicy"))
    host_config["RestartPolicy"] = {{"Name", "no"}, {"MaximumRetryCount", 0}};
  if (!host_config.contains("Binds")) host_config["Binds"] = nullptr;
  // --- volumes, binds, tmpfs: inspect's Mounts, from the stored options ---
  json mounts = json::array();
  if (auto storage = engine::ParseStoredStorage(rec.host_config)) {
    // bundle_dir is <data_root>/containers/<id>; volumes are <data_root>/volumes.
    std::string volumes_dir =
        rec.bundle_dir.substr(0, rec.bundle_dir.rfind("/containers/")) + "/volumes";
    std::vector<engine::MountPoint> own;
    if (mount_points == nullptr) {
      own = engine::OwnMountPoints(rec.id, *storage, c.volumes, image_config);
      mount_points = &own;
    }
    for (const auto& m : *mount_points)
      if (!m.from_tmpfs_map) mounts.push_back(engine::MountPointJson(m, volumes_dir));
  }
  const std::string& dir = rec.bundle_dir;
  json j = {
      {"Id", rec.id},
      {"Created", rec.created},
      {"Path", cmd.empty() ? "" : cmd[0]},
      {"Args", args},
      {"State", StateJson(rec.state)},
      {"Image", rec.image_id},
      {"ResolvConfPath", dir + "/resolv.conf"},
      {"HostnamePath", dir + "/hostname"},
      {"HostsPath", dir + "/hosts"},
      {"LogPath", rec.log_path},
      {"Name", "/" + rec.name},
      {"RestartCount", rec.state.restart_count},
      {"Driver", "overlay2"},
      {"Platform", "linux"},
      {"MountLabel", ""},
      {"ProcessLabel", ""},
      {"AppArmorProfile", ""},
      {"ExecIDs", nullptr},
      {"HostConfig", host_config},
      {"GraphDriver", {{"Name", "overlay2"}, {"Data", json::object()}}},
      {"Mounts", mounts},
      {"Config", MergedConfig(rec, c, image_config)},
      {"NetworkSettings",
       {{"Bridge", ""},
        {"SandboxID", ""},
        {"Ports", json::object()},
        {"SandboxKey", ""},
        {"Networks", json::object()}}},
  };
  if (size_rw >= 0) {
    j["SizeRw"] = size_rw;
    j["SizeRootFs"] = size_rw;
  }
  return j;
}

json ContainerSummaryJson(const engine::ContainerRecord& rec, const json& image_config,
                          int64_t size_rw) {
  auto parsed = engine::ParseContainerConfig(rec.config);
  engine::ContainerConfig c = parsed ? *parsed : engine::ContainerConfig{};
  std::string command;
  for (const std::string& a : Command(c, image_config)) command += (command.empty() ? "" : " ") + a;
  int64_t now = ParseRfc3339Seconds(NowRfc3339Nano());
  json labels = MergedConfig(rec, c, image_config)["Labels"];
  json j = {{"Id", rec.id},
            {"Names", json::array({"/" + rec.name})},
            {"Image", rec.image_ref},
            {"ImageID", rec.image_id},
            {"Command", command},
            {"Created", ParseRfc3339Seconds(rec.created)},
            {"Ports", json::array()},
            {"Labels", labels},
            {"State", engine::StatusName(rec.state.status)},
            {"Status", StatusText(rec.state, now)},
            {"HostConfig", {{"NetworkMode", rec.host_config.value("NetworkMode", "default")}}},
            {"NetworkSettings", {{"Networks", json::object()}}},
            {"Mounts", json::array()}};
  if (size_rw >= 0) {
    j["SizeRw"] = size_rw;
    j["SizeRootFs"] = size_rw;
  }
  return j;
}

}  // namespace berth::api
