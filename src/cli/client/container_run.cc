// berth run [OPTIONS] IMAGE [COMMAND] [ARG...]: create (pulling when
// needed), then start. With -d it prints the ID. Otherwise it attaches as
// docker's CLI does: the attach (hijacked) and the wait are opened before
// the start, the container's streams are copied until it closes them (or
// the user detaches), and berth exits with the container's status.
#include <unistd.h>

#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/client/attach_stream.h"
#include "cli/client/container_create.h"
#include "cli/client/container_each.h"
#include "cli/client/container_format.h"
#include "cli/client/exit_wait.h"
#include "cli/client/json_fields.h"

namespace berth::cli {

void AddRunCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto f = std::make_shared<CreateFlags>();
  auto detach_keys = std::make_shared<std::string>();
  auto sig_proxy = std::make_shared<bool>(true);
  auto* cmd = parent.add_subcommand("run", "Run a command in a new container");
  cmd->add_flag("-d,--detach", f->detach, "run the container in the background, print its ID");
  cmd->add_option("--detach-keys", *detach_keys, "override the key sequence for detaching");
  cmd->add_flag("--sig-proxy{true}", *sig_proxy, "proxy received signals to the process")
      ->default_str("true");
  AddCreateFlags(cmd, f);
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      if (!TakeImageAndArgs(cmd, *f, "run")) return 125;
      if (f->detach && !f->attach.empty()) {
        std::fprintf(stderr, "conflicting options: cannot specify both --attach and --detach\n");
        return 125;
      }
      AttachedStreams streams = StreamsToAttach(*f);
      std::string keys(kDefaultDetachKeys);
      if (!detach_keys->empty()) {
        // An invalid sequence falls back to docker's default on our side;
        // the daemon is told what the user asked for and judges it.
        if (auto k = ParseDetachKeys(*detach_keys)) keys = *k;
      }
      // A terminal on stdin is needed to attach one to the container's.
      if (!f->detach && streams.in && f->tty && !::isatty(0)) {
        std::fprintf(stderr, "the input device is not a TTY\n");
        return 1;
      }
      auto id = CreateContainer(o, *f, "run");
      if (!id) return 125;
      if (f->detach) {
        auto started = o.Client().Call("POST", ContainerPath(*id) + "/start");
        if (!started || started->status / 100 != 2) {
          std::string msg = started ? "Error response from daemon: " + started->ErrorMessage()
                                    : started.error().What();
          ReportRunError("run", msg);
          return CannotInvokeCode(msg, 125);
        }
        std::printf("%s\n", id->c_str());
        return 0;
      }

      // One client for the attached session: the API version it settles
      // on is kept for the resizes and signals that follow.
      ApiClient client = o.Client();
      std::optional<HijackedConnection> conn;
      if (streams.in || streams.out || streams.err) {
        auto c = HijackAttach(client, *id, streams.in, streams.out, streams.err, *detach_keys);
        if (!c) {
          ReportRunError("run", c.error().What());
          return 125;
        }
        if (!c->Upgraded()) {
          ReportRunError("run", "Error response from daemon: " + c->response.ErrorMessage());
          return 125;
        }
        conn = std::move(*c);
      }

      // The wait is opened before the start, as docker does, so that an
      // --rm container's exit is not missed when it is removed.
      // (A detached user leaves it running: it owns what it writes to.)
      OpenedWait opened = OpenWait(o.Client(), *id, f->rm ? "removed" : "next-exit");
      std::thread& waiter = opened.thread;
      auto& waited = opened.result;
      auto started = client.Call("POST", ContainerPath(*id) + "/start");
      if (!started || started->status / 100 != 2) {
        std::string msg = started ? "Error response from daemon: " + started->ErrorMessage()
                                  : started.error().What();
        ReportRunError("run", msg);
        // The wait ends once the failed container is removed or we give up.
        if (f->rm) client.Call("DELETE", ContainerPath(*id) + "?force=1");
        waiter.detach();
        return CannotInvokeCode(msg, 125);
      }

      if (conn) {
        std::string resize = ContainerPath(*id) + "/resize";
        StreamOptions so;
        so.tty = f->tty;
        so.send_stdin = streams.in;
        so.detach_keys = keys;
        if (f->tty) {
          SendTerminalSize(client, resize);
          so.on_resize = [&client, resize] { SendTerminalSize(client, resize); };
        } else if (*sig_proxy) {
          so.on_signal = ForwardSignalsTo(client, *id);
        }
        auto end = StreamContainerIo(*conn, so);
        if (!end) {
          LocalError(end.error());
          waiter.detach();
          return 125;
        }
        if (*end == StreamEnd::kDetached) {
          // The container keeps running; docker's run says nothing more.
          waiter.detach();
          return 0;
        }
      }
      waiter.join();
      if (!*waited) {
        LocalError(waited->error());
        return 125;
      }
      if ((*waited)->status / 100 != 2) {
        DaemonError(**waited);
        return 125;
      }
      auto j = nlohmann::json::parse((*waited)->body, nullptr, false);
      return static_cast<int>(IntField(j, "StatusCode"));
    };
  });
}

}  // namespace berth::cli
