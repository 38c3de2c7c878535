// berth logs [-f] [--tail N] [--since T] [--until T] [-t] [--details]
// CONTAINER: GET /containers/{id}/logs. Without a tty the daemon sends
// docker's 8-byte framed stream, split here back onto stdout and stderr;
// with one it sends the terminal's bytes as they are. Which one it is comes
// from the container's Config.Tty, read first, as docker's CLI does.
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "cli/client/container_each.h"
#include "cli/client/container_format.h"

namespace berth::cli {

namespace {

Status WriteAll(int fd, std::string_view d) {
  while (!d.empty()) {
    ssize_t n = ::write(fd, d.data(), d.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FailErrno("write output");
    d.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

}  // namespace

void AddLogsCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  struct Flags {
    bool follow = false, timestamps = false, details = false;
    std::string tail = "all", since, until, container;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = parent.add_subcommand("logs", "Fetch the logs of a container");
  cmd->add_option("CONTAINER", f->container, "container")->required();
  cmd->add_flag("-f,--follow", f->follow, "follow log output");
  cmd->add_flag("-t,--timestamps", f->timestamps, "show timestamps");
  cmd->add_flag("--details", f->details, "show extra details provided to logs");
  cmd->add_option("-n,--tail", f->tail, "number of lines to show from the end of the logs");
  cmd->add_option("--since", f->since, "show logs since timestamp or relative (e.g. 42m)");
  cmd->add_option("--until", f->until, "show logs before a timestamp or relative (e.g. 42m)");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      // One client for both calls: the API version it settles on is kept.
      ApiClient client = o.Client();
      auto info = client.Call("GET", ContainerPath(f->container) + "/json");
      if (!info) return LocalError(info.error());
      if (info->status == 404) {
        std::fprintf(stderr, "Error: No such container: %s\n", f->container.c_str());
        return 1;
      }
      if (info->status != 200) return DaemonError(*info);
      auto j = nlohmann::json::parse(info->body, nullptr, false);
      bool tty = j.is_object() && j.contains("Config") && j["Config"].is_object() &&
                 j["Config"].contains("Tty") && j["Config"]["Tty"].is_boolean() &&
                 j["Config"]["Tty"].get<bool>();

      int64_t now = ::time(nullptr);
      std::string q = "/logs?stdout=1&stderr=1&tail=" + UrlEncode(f->tail);
      if (f->follow) q += "&follow=1";
      if (f->timestamps) q += "&timestamps=1";
      if (f->details) q += "&details=1";
      if (!f->since.empty()) q += "&since=" + UrlEncode(ApiTimestamp(f->since, now));
      if (!f->until.empty()) q += "&until=" + UrlEncode(ApiTimestamp(f->until, now));

      LogDemuxer demux([](int stream, std::string_view payload) {
        return WriteAll(stream == 2 ? 2 : 1, payload);
      });
      auto r = client.StreamRaw("GET", ContainerPath(f->container) + q,
                                [&](std::string_view d) -> Status {
                                  if (tty) return WriteAll(1, d);
                                  return demux.Feed(d);
                                });
      if (!r) return LocalError(r.error());
      if (r->status / 100 != 2) return DaemonError(*r);
      return 0;
    };
  });
}

}  // namespace berth::cli
