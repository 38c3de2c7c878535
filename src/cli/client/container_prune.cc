// berth container prune [-f] [--filter K=V]: POST /containers/prune,
// removing every stopped container, and printing docker's summary.
#include "cli/client/commands.h"
#include "cli/client/prune.h"

namespace berth::cli {

void AddContainerPruneCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto force = std::make_shared<bool>(false);
  auto filters = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand("prune", "Remove all stopped containers");
  cmd->add_flag("-f,--force", *force, "do not prompt for confirmation");
  cmd->add_option("--filter", *filters, "provide filter values (e.g. 'until=<timestamp>')")
      ->allow_extra_args(false);
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      if (!*force && !ConfirmPrune("all stopped containers")) return 0;
      return PostPrune(o, "/containers/prune", *filters, "ContainersDeleted", "Containers");
    };
  });
}

}  // namespace berth::cli
