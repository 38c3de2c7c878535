// berth volume prune [-a] [-f] [--filter K=V]: POST /volumes/prune. As
// docker 23+, only anonymous volumes go unless -a (the daemon's API 1.42
// rule; docker 20.10's CLI, on API 1.41, takes every unused volume).
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/container_format.h"
#include "cli/client/json_fields.h"
#include "cli/client/units.h"

namespace berth::cli {

void AddVolumePruneCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto force = std::make_shared<bool>(false);
  auto all = std::make_shared<bool>(false);
  auto filters = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand("prune", "Remove unused local volumes");
  cmd->add_flag("-f,--force", *force, "do not prompt for confirmation");
  cmd->add_flag("-a,--all", *all, "remove all unused volumes, not just anonymous ones");
  cmd->add_option("--filter", *filters, "provide filter values (e.g. 'label=<label>')")
      ->allow_extra_args(false);
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      if (!*force) {
        std::printf(
            "WARNING! This will remove all local volumes not used by at least one container.\n"
            "Are you sure you want to continue? [y/N] ");
        std::fflush(stdout);
        std::string answer;
        std::getline(std::cin, answer);
        if (answer != "y" && answer != "Y") return 0;
      }
      std::vector<std::string> f = *filters;
      if (*all) f.push_back("all=true");
      std::string q = "/volumes/prune";
      if (!f.empty()) {
        auto fj = FiltersJson(f);
        if (!fj) return LocalError(fj.error());
        q += "?filters=" + UrlEncode(*fj);
      }
      auto r = o.Client().Call("POST", q);
      if (!r) return LocalError(r.error());
      if (r->status != 200) return DaemonError(*r);
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (j.is_object() && j.contains("VolumesDeleted") && j["VolumesDeleted"].is_array() &&
          !j["VolumesDeleted"].empty()) {
        std::printf("Deleted Volumes:\n");
        for (const auto& n : j["VolumesDeleted"])
          if (n.is_string()) std::printf("%s\n", n.get<std::string>().c_str());
        std::printf("\n");
      }
      std::printf(
          "Total reclaimed space: %s\n",
          HumanSizeWithPrecision(static_cast<double>(IntField(j, "SpaceReclaimed")), 4).c_str());
      return 0;
    };
  });
}

// The `volume` group: create, ls, inspect, rm, prune.
void AddVolumeCommands(CLI::App& app, ClientOptions& o, ClientAction* a) {
  CLI::App* volume = app.add_subcommand("volume", "Manage volumes");
  volume->require_subcommand(1);
  AddVolumeCreateCommand(*volume, o, a);
  AddVolumeListCommand(*volume, "ls", o, a);
  AddVolumeInspectCommand(*volume, o, a);
  AddVolumeRemoveCommand(*volume, "rm", o, a);
  AddVolumePruneCommand(*volume, o, a);
}

}  // namespace berth::cli
