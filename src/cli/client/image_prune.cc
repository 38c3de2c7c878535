// berth image prune [-a] [-f]: POST /images/prune, after docker's
// confirmation prompt unless --force.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/json_fields.h"
#include "cli/client/prune.h"
#include "cli/client/units.h"

namespace berth::cli {

void AddPruneCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto all = std::make_shared<bool>(false), force = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand("prune", "Remove unused images");
  cmd->add_flag("-a,--all", *all, "remove all unused images, not just dangling ones");
  cmd->add_flag("-f,--force", *force, "do not prompt for confirmation");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      if (!*force && !ConfirmPrune(*all ? "all images without at least one container "
                                          "associated to them"
                                        : "all dangling images"))
        return 0;
      std::string q = "/images/prune";
      if (*all) q += "?filters=" + UrlEncode(R"({"dangling":["false"]})");
      auto r = o.Client().Call("POST", q);
      if (!r) return LocalError(r.error());
      if (r->status != 200) return DaemonError(*r);
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (j.is_object() && j.contains("ImagesDeleted") && j["ImagesDeleted"].is_array() &&
          !j["ImagesDeleted"].empty()) {
        std::printf("Deleted Images:\n");
        for (const auto& it : j["ImagesDeleted"]) {
          if (std::string u = StrField(it, "Untagged"); !u.empty())
            std::printf("untagged: %s\n", u.c_str());
          if (std::string d = StrField(it, "Deleted"); !d.empty())
            std::printf("deleted: %s\n", d.c_str());
        }
        std::printf("\n");
      }
      std::printf("Total reclaimed space: %s\n",
                  HumanSize3(static_cast<double>(IntField(j, "SpaceReclaimed"))).c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
