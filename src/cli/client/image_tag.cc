// berth tag SOURCE TARGET: POST /images/{source}/tag?repo=&tag=.
#include <cstdio>

#include "cli/client/commands.h"
#include "cli/client/image_names.h"

namespace berth::cli {

void AddTagCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a) {
  auto src = std::make_shared<std::string>(), dst = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand(name, "Create a tag TARGET that refers to SOURCE");
  cmd->add_option("SOURCE", *src, "source image")->required();
  cmd->add_option("TARGET", *dst, "target image[:tag]")->required();
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      ImageName t = SplitImageName(*dst);
      if (!t.digest.empty()) {
        std::fprintf(stderr, "refusing to create a tag with a digest reference\n");
        return 1;
      }
      auto r = o.Client().Call("POST", "/images/" + *src + "/tag?repo=" + UrlEncode(t.repository) +
                                           "&tag=" + UrlEncode(t.tag));
      if (!r) return LocalError(r.error());
      if (r->status == 404) {
        std::fprintf(stderr, "Error response from daemon: %s\n", r->ErrorMessage().c_str());
        return 1;
      }
      if (r->status / 100 != 2) return DaemonError(*r);
      return 0;
    };
  });
}

}  // namespace berth::cli
