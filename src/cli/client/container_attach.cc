// berth attach [--no-stdin] [--detach-keys K] [--sig-proxy] CONTAINER:
// connects our stdio to a running container's, as docker's CLI does:
// inspect (it must be running), attach (hijacked), open the wait, follow
// the window size, copy the streams; exit with the container's status.
// Detaching is an error to docker's attach: "read escape sequence", exit 1.
#include <unistd.h>

#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/client/attach_stream.h"
#include "cli/client/container_each.h"
#include "cli/client/json_fields.h"

namespace berth::cli {

namespace {

bool JsonBool(const nlohmann::json& j, const char* obj, const char* key) {
  if (!j.is_object() || !j.contains(obj) || !j[obj].is_object()) return false;
  const auto& o = j[obj];
  return o.contains(key) && o[key].is_boolean() && o[key].get<bool>();
}

}  // namespace

void AddAttachCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  struct Flags {
    std::string container, detach_keys;
    bool no_stdin = false, sig_proxy = true;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = parent.add_subcommand("attach", "Attach to a running container's streams");
  cmd->add_option("CONTAINER", f->container, "container")->required();
  cmd->add_flag("--no-stdin", f->no_stdin, "do not attach STDIN");
  cmd->add_option("--detach-keys", f->detach_keys, "override the key sequence for detaching");
  cmd->add_flag("--sig-proxy{true}", f->sig_proxy, "proxy all received signals to the process");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      ApiClient client = o.Client();
      auto info = client.Call("GET", ContainerPath(f->container) + "/json");
      if (!info) return LocalError(info.error());
      if (info->status != 200) return DaemonError(*info);
      auto j = nlohmann::json::parse(info->body, nullptr, false);
      // docker's client-side checks, in its order and words.
      if (!JsonBool(j, "State", "Running")) {
        std::fprintf(stderr, "You cannot attach to a stopped container, start it first\n");
        return 1;
      }
      if (JsonBool(j, "State", "Paused")) {
        std::fprintf(stderr, "You cannot attach to a paused container, unpause it first\n");
        return 1;
      }
      if (JsonBool(j, "State", "Restarting")) {
        std::fprintf(stderr,
                     "You cannot attach to a restarting container, wait until it is running\n");
        return 1;
      }
      std::string id = StrField(j, "Id");
      bool tty = JsonBool(j, "Config", "Tty");
      bool send_stdin = !f->no_stdin && JsonBool(j, "Config", "OpenStdin");
      if (send_stdin && tty && !::isatty(0)) {
        std::fprintf(stderr, "the input device is not a TTY\n");
        return 1;
      }
      auto conn = HijackAttach(client, id, send_stdin, true, true, f->detach_keys);
      if (!conn) return LocalError(conn.error());
      if (!conn->Upgraded()) return DaemonError(conn->response);

      auto waited = std::make_shared<Result<ApiResponse>>(Fail("not waited"));
      std::thread waiter([waited, w = o.Client(), id]() mutable {
        *waited = w.Call("POST", ContainerPath(id) + "/wait");
      });
      std::string keys(kDefaultDetachKeys);
      if (!f->detach_keys.empty())
        if (auto k = ParseDetachKeys(f->detach_keys)) keys = *k;
      StreamOptions so;
      so.tty = tty;
      so.send_stdin = send_stdin;
      so.detach_keys = keys;
      std::string resize = ContainerPath(id) + "/resize";
      if (tty) {
        SendTerminalSize(client, resize);
        so.on_resize = [&client, resize] { SendTerminalSize(client, resize); };
      } else if (f->sig_proxy) {
        so.on_signal = ForwardSignalsTo(client, id);
      }
      auto end = StreamContainerIo(*conn, so);
      if (!end) {
        waiter.detach();
        return LocalError(end.error());
      }
      if (*end == StreamEnd::kDetached) {
        waiter.detach();
        std::fprintf(stderr, "read escape sequence\n");
        return 1;
      }
      waiter.join();
      if (!*waited) return LocalError(waited->error());
      if ((*waited)->status / 100 != 2) return DaemonError(**waited);
      auto w = nlohmann::json::parse((*waited)->body, nullptr, false);
      return static_cast<int>(IntField(w, "StatusCode"));
    };
  });
}

}  // namespace berth::cli
