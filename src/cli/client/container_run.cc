// berth run [OPTIONS] IMAGE [COMMAND] [ARG...]: create (pulling when
// needed), then start. With -d it prints the ID. Without -d (and without
// -i/-t, which need attach) it follows the container's logs to
// stdout/stderr and exits with the container's status, as docker's run
// does when attached.
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/client/container_create.h"
#include "cli/client/container_each.h"
#include "cli/client/container_format.h"
#include "cli/client/json_fields.h"

namespace berth::cli {

namespace {

// docker's exit code for a start that failed: 127 when the command does
// not exist, 126 when it cannot be run, else 125.
int StartFailureCode(const std::string& msg) {
  if (msg.find("executable file not found") != std::string::npos ||
      msg.find("no such file or directory") != std::string::npos)
    return 127;
  if (msg.find("permission denied") != std::string::npos) return 126;
  return 125;
}

Status WriteAll(FILE* f, std::string_view d) {
  if (std::fwrite(d.data(), 1, d.size(), f) != d.size()) return FailErrno("write output");
  std::fflush(f);
  return Ok();
}

}  // namespace

void AddRunCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto f = std::make_shared<CreateFlags>();
  auto* cmd = parent.add_subcommand("run", "Run a command in a new container");
  cmd->add_flag("-d,--detach", f->detach, "run the container in the background, print its ID");
  AddCreateFlags(cmd, f);
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      if (!TakeImageAndArgs(cmd, *f, "run")) return 125;
      if (!f->detach && (f->interactive || f->tty)) {
        std::fprintf(stderr, "berth run: attaching is not supported yet; use -d\n");
        return 125;
      }
      auto id = CreateContainer(o, *f, "run");
      if (!id) return 125;

      // Attached: the wait is opened before the start, as docker does, so
      // that an --rm container's exit is not missed when it is removed.
      Result<ApiResponse> waited = Fail("not waited");
      std::thread waiter;
      if (!f->detach) {
        std::string cond = f->rm ? "removed" : "next-exit";
        waiter = std::thread([&o, &waited, cond, cid = *id] {
          waited = o.Client().Call("POST", ContainerPath(cid) + "/wait?condition=" + cond);
        });
        // The daemon registers the wait when it reads the request; a short
        // head start keeps a fast container's exit from racing past it.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      auto started = o.Client().Call("POST", ContainerPath(*id) + "/start");
      if (!started || started->status / 100 != 2) {
        std::string msg = started ? "Error response from daemon: " + started->ErrorMessage()
                                  : started.error().What();
        ReportRunError("run", msg);
        if (waiter.joinable()) {
          // The wait ends once the failed container is removed or we give up.
          if (f->rm) o.Client().Call("DELETE", ContainerPath(*id) + "?force=1");
          waiter.detach();
        }
        return StartFailureCode(msg);
      }
      if (f->detach) {
        std::printf("%s\n", id->c_str());
        return 0;
      }

      LogDemuxer demux([](int stream, std::string_view payload) {
        return WriteAll(stream == 2 ? stderr : stdout, payload);
      });
      auto logs =
          o.Client().StreamRaw("GET", ContainerPath(*id) + "/logs?follow=1&stdout=1&stderr=1",
                               [&](std::string_view d) { return demux.Feed(d); });
      waiter.join();
      if (!waited) {
        LocalError(waited.error());
        return 125;
      }
      if (waited->status / 100 != 2) {
        DaemonError(*waited);
        return 125;
      }
      (void)logs;  // an --rm container may be gone before its logs are read
      auto j = nlohmann::json::parse(waited->body, nullptr, false);
      return static_cast<int>(IntField(j, "StatusCode"));
    };
  });
}

}  // namespace berth::cli
