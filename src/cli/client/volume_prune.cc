// berth volume prune [-a] [-f] [--filter K=V]: POST /volumes/prune. As
// docker 23+, only anonymous volumes go unless -a (the daemon's API 1.42
// rule; docker 20.10's CLI, on API 1.41, takes every unused volume).
#include "cli/client/commands.h"
#include "cli/client/prune.h"

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
      if (!*force && !ConfirmPrune("all local volumes not used by at least one container"))
        return 0;
      std::vector<std::string> f = *filters;
      if (*all) f.push_back("all=true");
      return PostPrune(o, "/volumes/prune", f, "VolumesDeleted", "Volumes");
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
