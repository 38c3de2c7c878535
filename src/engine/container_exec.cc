// docker exec: the exec's record (kept in memory, as dockerd keeps them),
// the process spec built from the container's own (its capabilities,
// seccomp, rlimits, environment) with the exec's command, user, working
// directory and tty laid over it, and its run through the container's
// shim: detached, or relayed to the client's hijacked connection.
#include <thread>

#include <fmt/core.h>

#include "base/fs.h"
#include "engine/container_live.h"
#include "engine/container_names.h"
#include "engine/container_service.h"
#include "engine/container_user.h"
#include "engine/shim_client.h"
#include "engine/stream_relay.h"
#include "shim/shim_protocol.h"
#include "sys/syscalls.h"

namespace berth::engine {
namespace {

// docker's exit code for an exec that could not start.
int64_t ExecFailureCode(const std::string& message) {
  if (message.find("executable file not found") != std::string::npos ||
      message.find("no such file or directory") != std::string::npos)
    return 127;
  return 126;
}

}  // namespace

Result<std::string> ContainerService::ExecCreate(const std::string& name_or_id, ExecConfig config) {
  ContainerRecord rec = TRY(store_.Lookup(name_or_id));
  if (!IsRunning(rec.state)) return FailAs(EBUSY, "Container {} is not running", rec.id);
  if (rec.state.status == ContainerStatus::kPaused)
    return FailAs(EBUSY, "Container {} is paused, unpause the container before exec", rec.id);
  if (config.cmd.empty()) return FailAs(EINVAL, "No exec command specified");
  TRY(DetachKeysFor(config.detach_keys));
  ExecInfo info;
  info.id = TRY(NewRandomId());
  info.container_id = rec.id;
  info.config = std::move(config);
  std::string command;
  for (const std::string& a : info.config.cmd) command += (command.empty() ? "" : " ") + a;
  {
    std::lock_guard lock(mu_);
    execs_[info.id] = info;
  }
  Emit(rec, "exec_create: " + command, {{"execID", info.id}});
  return info.id;
}

Result<ContainerService::ExecInfo> ContainerService::ExecInspect(const std::string& exec_id) {
  std::lock_guard lock(mu_);
  auto it = execs_.find(exec_id);
  if (it == execs_.end()) return FailAs(ENOENT, "No such exec instance: {}", exec_id);
  return it->second;
}

Result<bool> ContainerService::ExecPrepare(const std::string& exec_id) {
  ExecInfo info = TRY(ExecInspect(exec_id));
  if (info.running || info.exit_code)
    return FailAs(EBUSY, "Error: Exec command {} is already running", exec_id);
  auto rec = TRY(store_.Get(info.container_id));
  if (!rec || !IsRunning(rec->state))
    return FailAs(EBUSY, "Container {} is not running", info.container_id);
  return info.config.tty;
}

void ContainerService::ExecEnded(const std::string& exec_id, int64_t exit_code) {
  std::string container_id, command;
  {
    std::lock_guard lock(mu_);
    auto it = execs_.find(exec_id);
    if (it == execs_.end()) return;
    it->second.running = false;
    it->second.exit_code = exit_code;
    container_id = it->second.container_id;
    for (const std::string& a : it->second.config.cmd) command += (command.empty() ? "" : " ") + a;
  }
  if (auto rec = store_.Get(container_id); rec && *rec)
    Emit(**rec, "exec_die", {{"execID", exec_id}, {"exitCode", std::to_string(exit_code)}});
}

Status ContainerService::ExecStart(const std::string& exec_id, bool detach, int client_fd,
                                   std::string client_buffered) {
  ExecInfo info = TRY(ExecInspect(exec_id));
  auto found = TRY(store_.Get(info.container_id));
  if (!found || !IsRunning(found->state))
    return FailAs(EBUSY, "Container {} is not running", info.container_id);
  ContainerRecord rec = *found;
  {
    std::lock_guard lock(mu_);
    ExecInfo& e = execs_[exec_id];
    if (e.running || e.exit_code)
      return FailAs(EBUSY, "Error: Exec command {} is already running", exec_id);
    e.running = true;
  }
  // A start that fails before the process runs is told on the stream, as
  // dockerd does, and ends the exec with docker's code.
  auto failed = [&](const Error& e) -> Status {
    std::string text = e.What() + "\r\n";
    if (!detach && client_fd >= 0) {
      std::string out = text;
      if (!info.config.tty) {
        out.clear();
        shim::AppendFrame(&out, shim::kStreamStderr, text);
      }
      (void)sys::WriteAll(client_fd, out.data(), out.size());
    }
    ExecEnded(exec_id, ExecFailureCode(e.message()));
    return Ok();
  };

  // 1. The process: the container's own, with the exec's settings.
  auto bundle_config = ReadFile(BundleDir(rec.id) + "/config.json");
  if (!bundle_config) return failed(bundle_config.error());
  auto config_json = nlohmann::json::parse(*bundle_config, nullptr, false);
  if (!config_json.is_object() || !config_json.contains("process"))
    return failed(Error(EINVAL, "config.json of the container has no process"));
  nlohmann::json process = config_json["process"];
  process["args"] = info.config.cmd;
  process["terminal"] = info.config.tty;
  process.erase("consoleSize");
  if (info.config.tty && info.config.console_height && info.config.console_width)
    process["consoleSize"] = {{"height", info.config.console_height},
                              {"width", info.config.console_width}};
  if (!info.config.working_dir.empty()) process["cwd"] = info.config.working_dir;
  nlohmann::json env = process.value("env", nlohmann::json::array());
  for (const std::string& kv : info.config.env) {
    std::string key = kv.substr(0, kv.find('='));
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& e : env)
      if (e.is_string() && e.get<std::string>().substr(0, e.get<std::string>().find('=')) != key)
        kept.push_back(e);
    if (kv.find('=') != std::string::npos) kept.push_back(kv);
    env = kept;
  }
  process["env"] = env;
  if (!info.config.user.empty()) {
    std::string rootfs = BundleDir(rec.id) + "/rootfs";
    auto passwd = ReadFileInRoot(rootfs, "/etc/passwd");
    auto group = ReadFileInRoot(rootfs, "/etc/group");
    if (!passwd) return failed(passwd.error());
    if (!group) return failed(group.error());
    auto user = ResolveUser(info.config.user, *passwd, *group);
    if (!user) return failed(user.error());
    process["user"] = {{"uid", user->uid}, {"gid", user->gid}};
    if (!user->additional_gids.empty()) process["user"]["additionalGids"] = user->additional_gids;
  }

  // 2. The shim runs it.
  auto conn = ShimConnection::Connect(StateDir(rec.id) + "/shim.sock");
  if (!conn) return failed(Error(EBUSY, fmt::format("Container {} is not running", rec.id)));
  bool with_stdin = info.config.attach_stdin && !detach;
  auto started = conn->Call({{"op", "exec"},
                             {"exec_id", exec_id},
                             {"process", process},
                             {"detach", detach},
                             {"stdin", with_stdin}});
  if (!started) return failed(started.error());
  {
    std::lock_guard lock(mu_);
    execs_[exec_id].pid = started->value("pid", int64_t{0});
  }
  std::string command;
  for (const std::string& a : info.config.cmd) command += (command.empty() ? "" : " ") + a;
  Emit(rec, "exec_start: " + command, {{"execID", exec_id}});
  std::string state_dir = StateDir(rec.id);
  auto take_exit = [this, exec_id, state_dir] {
    int64_t code = 137;  // the shim went away with it
    if (auto c = ShimConnection::Connect(state_dir + "/shim.sock")) {
      if (auto st = c->Call({{"op", "exec-wait"}, {"exec_id", exec_id}}))
        code = st->value("exit_code", int64_t{137});
    }
    ExecEnded(exec_id, code);
  };
  if (detach) {
    std::thread(take_exit).detach();
    return Ok();
  }

  // 3. Its stdio, relayed until it ends; the exit code is recorded before
  // the client's connection closes (the docker CLI inspects it then).
  StreamRelay relay;
  relay.tty = info.config.tty;
  relay.want_stdout = info.config.attach_stdout;
  relay.want_stderr = info.config.attach_stderr;
  relay.stdin = with_stdin;
  relay.detach_keys = TRY(DetachKeysFor(info.config.detach_keys));
  bool detached =
      RelayStreams(relay, conn->fd(), conn->TakeBuffered(), client_fd, std::move(client_buffered));
  if (detached) {
    std::thread(take_exit).detach();
    return Ok();
  }
  take_exit();
  return Ok();
}

Status ContainerService::ExecSetConsoleSize(const std::string& exec_id, unsigned height,
                                            unsigned width) {
  std::lock_guard lock(mu_);
  auto it = execs_.find(exec_id);
  if (it == execs_.end()) return FailAs(ENOENT, "No such exec instance: {}", exec_id);
  if (it->second.running || it->second.exit_code)
    return FailAs(EBUSY, "Error: Exec command {} is already running", exec_id);
  it->second.config.console_height = height;
  it->second.config.console_width = width;
  return Ok();
}

Status ContainerService::ExecResize(const std::string& exec_id, unsigned height, unsigned width) {
  ExecInfo info = TRY(ExecInspect(exec_id));
  if (!info.running) return FailAs(EBUSY, "Exec {} is not running", exec_id);
  auto conn = TRY(ShimConnection::Connect(StateDir(info.container_id) + "/shim.sock"));
  auto answer =
      conn.Call({{"op", "resize"}, {"exec_id", exec_id}, {"width", width}, {"height", height}});
  if (!answer) return FailAs(EINVAL, "resize exec {}: {}", exec_id, answer.error().message());
  return Ok();
}

}  // namespace berth::engine
