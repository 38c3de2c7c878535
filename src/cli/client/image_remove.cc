// berth rmi [-f] IMAGE...: DELETE /images/{name}, printing docker's
// "Untagged:" and "Deleted:" lines. Each name is tried; the exit code is 1
// if any failed.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/json_fields.h"

namespace berth::cli {

void AddRmiCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand(name, "Remove one or more images");
  cmd->add_option("IMAGE", *names, "images")->required();
  cmd->add_flag("-f,--force", *force, "force removal of the image");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      int rc = 0;
      for (const std::string& n : *names) {
        auto r = o.Client().Call("DELETE", "/images/" + n + (*force ? "?force=1" : ""));
        if (!r) {
          rc = LocalError(r.error());
          continue;
        }
        if (r->status == 404) {
          std::fprintf(stderr, "Error: %s\n", r->ErrorMessage().c_str());
          rc = 1;
          continue;
        }
        if (r->status != 200) {
          rc = DaemonError(*r);
          continue;
        }
        auto items = nlohmann::json::parse(r->body, nullptr, false);
        if (!items.is_array()) continue;
        for (const auto& it : items) {
          if (std::string u = StrField(it, "Untagged"); !u.empty())
            std::printf("Untagged: %s\n", u.c_str());
          if (std::string d = StrField(it, "Deleted"); !d.empty())
            std::printf("Deleted: %s\n", d.c_str());
        }
      }
      return rc;
    };
  });
}

}  // namespace berth::cli
