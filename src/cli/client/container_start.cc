// berth start [-a] [-i] CONTAINER...: POST /containers/{id}/start for
// each. As docker 20.10: each failure goes to stderr as it happens, then
// "Error: failed to start containers: a, b" and exit 1. With -a/-i (one
// container only) it attaches first, as docker's CLI does: attach, open the
// wait, start, copy the streams, and exit with the container's status.
#include <unistd.h>

#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/client/attach_stream.h"
#include "cli/client/container_each.h"
#include "cli/client/exit_wait.h"
#include "cli/client/json_fields.h"

namespace berth::cli {

namespace {

struct StartFlags {
  std::vector<std::string> names;
  bool attach = false, interactive = false, sig_proxy = true;
  std::string detach_keys;
};

bool JsonBool(const nlohmann::json& j, const char* obj, const char* key) {
  if (!j.is_object() || !j.contains(obj) || !j[obj].is_object()) return false;
  const auto& o = j[obj];
  return o.contains(key) && o[key].is_boolean() && o[key].get<bool>();
}

int StartAttached(ClientOptions& o, const StartFlags& f) {
  if (f.names.size() > 1) {
    std::fprintf(stderr, "you cannot start and attach multiple containers at once\n");
    return 1;
  }
  const std::string& name = f.names[0];
  ApiClient client = o.Client();
  auto info = client.Call("GET", ContainerPath(name) + "/json");
  if (!info) return LocalError(info.error());
  if (info->status != 200) return DaemonError(*info);
  auto j = nlohmann::json::parse(info->body, nullptr, false);
  std::string id = StrField(j, "Id");
  bool tty = JsonBool(j, "Config", "Tty");
  bool send_stdin = f.interactive && JsonBool(j, "Config", "OpenStdin");
  if (send_stdin && tty && !::isatty(0)) {
    std::fprintf(stderr, "the input device is not a TTY\n");
    return 1;
  }
  auto conn = HijackAttach(client, id, send_stdin, true, true, f.detach_keys);
  if (!conn) return LocalError(conn.error());
  if (!conn->Upgraded()) return DaemonError(conn->response);

  // The wait before the start, so that the exit cannot be missed (docker's
  // waitExitOrRemoved: "removed" for an --rm container).
  bool auto_remove = JsonBool(j, "HostConfig", "AutoRemove");
  OpenedWait opened = OpenWait(o.Client(), id, auto_remove ? "removed" : "next-exit");
  std::thread& waiter = opened.thread;
  auto& waited = opened.result;
  // 304: it was running already; the attach goes on as docker's does.
  auto started = client.Call("POST", ContainerPath(id) + "/start");
  if (!started || (started->status / 100 != 2 && started->status != 304)) {
    waiter.detach();
    return started ? DaemonError(*started) : LocalError(started.error());
  }

  std::string keys(kDefaultDetachKeys);
  if (!f.detach_keys.empty())
    if (auto k = ParseDetachKeys(f.detach_keys)) keys = *k;
  StreamOptions so;
  so.tty = tty;
  so.send_stdin = send_stdin;
  so.detach_keys = keys;
  std::string resize = ContainerPath(id) + "/resize";
  if (tty) {
    SendTerminalSize(client, resize);
    so.on_resize = [&client, resize] { SendTerminalSize(client, resize); };
  } else if (f.sig_proxy) {
    so.on_signal = ForwardSignalsTo(client, id);
  }
  auto end = StreamContainerIo(*conn, so);
  if (!end || *end == StreamEnd::kDetached) {
    waiter.detach();
    return end ? 0 : LocalError(end.error());
  }
  waiter.join();
  if (!*waited) return LocalError(waited->error());
  if ((*waited)->status / 100 != 2) return DaemonError(**waited);
  auto w = nlohmann::json::parse((*waited)->body, nullptr, false);
  return static_cast<int>(IntField(w, "StatusCode"));
}

}  // namespace

void AddStartCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto f = std::make_shared<StartFlags>();
  auto* cmd = parent.add_subcommand("start", "Start one or more stopped containers");
  cmd->add_option("CONTAINER", f->names, "containers")->required();
  cmd->add_flag("-a,--attach", f->attach, "attach STDOUT/STDERR and forward signals");
  cmd->add_flag("-i,--interactive", f->interactive, "attach container's STDIN");
  cmd->add_option("--detach-keys", f->detach_keys, "override the key sequence for detaching");
  cmd->add_flag("--sig-proxy{true}", f->sig_proxy, "proxy received signals to the process");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      if (f->attach || f->interactive) return StartAttached(o, *f);
      std::string failed;
      for (const std::string& n : f->names) {
        auto r = o.Client().Call("POST", ContainerPath(n) + "/start");
        if (!r || r->status / 100 != 2) {
          std::string msg =
              r ? "Error response from daemon: " + r->ErrorMessage() : r.error().What();
          std::fprintf(stderr, "%s\n", msg.c_str());
          failed += (failed.empty() ? "" : ", ") + n;
          continue;
        }
        std::printf("%s\n", n.c_str());
        std::fflush(stdout);
      }
      if (failed.empty()) return 0;
      std::fprintf(stderr, "Error: failed to start containers: %s\n", failed.c_str());
      return 1;
    };
  });
}

}  // namespace berth::cli
