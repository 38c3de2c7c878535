// berth container prune [-f] [--filter K=V]: POST /containers/prune,
// removing every stopped container, and printing docker's summary.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/container_format.h"
#include "cli/client/json_fields.h"
#include "cli/client/units.h"

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
      if (!*force) {
        std::printf(
            "WARNING! This will remove all stopped containers.\n"
            "Are you sure you want to continue? [y/N] ");
        std::fflush(stdout);
        std::string answer;
        std::getline(std::cin, answer);
        if (answer != "y" && answer != "Y") return 0;
      }
      std::string q = "/containers/prune";
      if (!filters->empty()) {
        auto fj = FiltersJson(*filters);
        if (!fj) return LocalError(fj.error());
        q += "?filters=" + UrlEncode(*fj);
      }
      auto r = o.Client().Call("POST", q);
      if (!r) return LocalError(r.error());
      if (r->status != 200) return DaemonError(*r);
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      int64_t reclaimed = 0;
      if (j.is_object() && j.contains("ContainersDeleted") && j["ContainersDeleted"].is_array() &&
          !j["ContainersDeleted"].empty()) {
        std::printf("Deleted Containers:\n");
        for (const auto& id : j["ContainersDeleted"])
          if (id.is_string()) std::printf("%s\n", id.get<std::string>().c_str());
        std::printf("\n");
        reclaimed = IntField(j, "SpaceReclaimed");
      }
      std::printf("Total reclaimed space: %s\n",
                  HumanSizeWithPrecision(static_cast<double>(reclaimed), 4).c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
