// berth rename OLD NEW: POST /containers/{old}/rename?name=NEW. Prints
// nothing; on failure the daemon's error, then docker's "Error: failed to
// rename container named OLD".
#include <cstdio>

#include "cli/client/container_each.h"

namespace berth::cli {

void AddRenameCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto old_name = std::make_shared<std::string>();
  auto new_name = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("rename", "Rename a container");
  cmd->add_option("CONTAINER", *old_name, "container")->required();
  cmd->add_option("NEW_NAME", *new_name, "new name")->required();
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      // docker checks both names before asking the daemon.
      auto trim = [](std::string s) {
        size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
        return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
      };
      if (trim(*old_name).empty() || trim(*new_name).empty()) {
        std::fprintf(stderr, "Error: Neither old nor new names may be empty\n");
        return 1;
      }
      auto r = o.Client().Call(
          "POST", ContainerPath(trim(*old_name)) + "/rename?name=" + UrlEncode(trim(*new_name)));
      if (r && r->status / 100 == 2) return 0;
      std::string msg = r ? "Error response from daemon: " + r->ErrorMessage() : r.error().What();
      std::fprintf(stderr, "%s\nError: failed to rename container named %s\n", msg.c_str(),
                   old_name->c_str());
      return 1;
    };
  });
}

}  // namespace berth::cli
