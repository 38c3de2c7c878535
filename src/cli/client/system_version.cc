// berth version and berth info: the client's and the daemon's identity
// (GET /version, GET /info), laid out as docker lays them out.
#include <sys/utsname.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/json_fields.h"
#include "cli/client/units.h"

namespace berth::cli {

using nlohmann::json;

void AddVersionCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto* cmd = parent.add_subcommand("version", "Show the berth version information");
  cmd->callback([&o, a] {
    *a = [&o]() -> int {
      std::printf(
          "Client:\n Version:           0.1.0\n API version:       1.47\n"
          " OS/Arch:           linux/amd64\n\n");
      auto r = o.Client().Call("GET", "/version");
      if (!r) return LocalError(r.error());
      if (r->status != 200) return DaemonError(*r);
      auto v = json::parse(r->body, nullptr, false);
      std::string platform = v.contains("Platform") ? StrField(v["Platform"], "Name") : "";
      std::printf(
          "Server: %s\n Engine:\n  Version:          %s\n"
          "  API version:      %s (minimum version %s)\n  OS/Arch:          %s/%s\n"
          "  Kernel Version:   %s\n",
          platform.c_str(), StrField(v, "Version").c_str(), StrField(v, "ApiVersion").c_str(),
          StrField(v, "MinAPIVersion").c_str(), StrField(v, "Os").c_str(),
          StrField(v, "Arch").c_str(), StrField(v, "KernelVersion").c_str());
      return 0;
    };
  });
}

void AddInfoCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto* cmd = parent.add_subcommand("info", "Display system-wide information");
  auto format = std::make_shared<std::string>();
  cmd->add_option("-f,--format", *format, "Go template");
  cmd->callback([&o, a, format] {
    *a = [&o, format]() -> int {
      auto r = o.Client().Call("GET", "/info");
      if (!r) return LocalError(r.error());
      if (r->status != 200) return DaemonError(*r);
      auto i = json::parse(r->body, nullptr, false);
      if (!format->empty()) {
        std::printf("%s\n", i.dump().c_str());
        return 0;
      }
      std::printf(
          "Server:\n Containers: %lld\n Images: %lld\n Server Version: %s\n"
          " Storage Driver: %s\n Logging Driver: %s\n Cgroup Driver: %s\n"
          " Cgroup Version: %s\n Kernel Version: %s\n Operating System: %s\n"
          " OSType: %s\n Architecture: %s\n CPUs: %lld\n Total Memory: %s\n"
          " Name: %s\n ID: %s\n Docker Root Dir: %s\n",
          static_cast<long long>(IntField(i, "Containers")),
          static_cast<long long>(IntField(i, "Images")), StrField(i, "ServerVersion").c_str(),
          StrField(i, "Driver").c_str(), StrField(i, "LoggingDriver").c_str(),
          StrField(i, "CgroupDriver").c_str(), StrField(i, "CgroupVersion").c_str(),
          StrField(i, "KernelVersion").c_str(), StrField(i, "OperatingSystem").c_str(),
          StrField(i, "OSType").c_str(), StrField(i, "Architecture").c_str(),
          static_cast<long long>(IntField(i, "NCPU")),
          HumanSize3(static_cast<double>(IntField(i, "MemTotal"))).c_str(),
          StrField(i, "Name").c_str(), StrField(i, "ID").c_str(),
          StrField(i, "DockerRootDir").c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
