// berth diff CONTAINER: GET /containers/{id}/changes, one line a change
// as docker prints them: "C /etc", "A /newfile", "D /bin/true".
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/client/container_each.h"
#include "cli/client/json_fields.h"

namespace berth::cli {

void AddDiffCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto container = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("diff", "Inspect changes to files on a container's filesystem");
  cmd->add_option("CONTAINER", *container, "container")->required();
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      auto r = o.Client().Call("GET", ContainerPath(*container) + "/changes");
      if (!r) return LocalError(r.error());
      if (r->status != 200) return DaemonError(*r);
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (!j.is_array()) return 0;  // null: nothing changed
      // In the order the daemon lists them (dockerd: no particular one).
      // The API's Kind: 0 modified, 1 added, 2 deleted.
      for (const auto& c : j) {
        int64_t kind = IntField(c, "Kind");
        const char* letter = kind == 1 ? "A" : kind == 2 ? "D" : "C";
        std::printf("%s %s\n", letter, StrField(c, "Path").c_str());
      }
      return 0;
    };
  });
}

}  // namespace berth::cli
