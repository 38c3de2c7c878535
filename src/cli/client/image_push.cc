// berth push NAME[:TAG]: POST /images/{name}/push?tag=, showing the
// daemon's JSON progress as docker does.
#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/image_names.h"
#include "cli/client/json_message.h"
#include "cli/client/stored_logins.h"

namespace berth::cli {

void AddPushCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a) {
  auto* cmd = parent.add_subcommand(name, "Upload an image to a registry");
  auto image = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("NAME", *image, "image reference")->required();
  cmd->add_flag("-q,--quiet", *quiet, "suppress verbose output");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      ImageName n = SplitImageName(*image);
      if (!n.digest.empty()) {
        std::fprintf(stderr, "cannot push a digest reference\n");
        return 1;
      }
      JsonMessageRenderer render(stdout, ::isatty(1) == 1);
      // The stored login for the registry travels with the request, as
      // docker's CLI sends it.
      auto r = o.Client().Stream(
          "POST", "/images/" + n.repository + "/push?tag=" + UrlEncode(n.tag),
          [&](std::string_view line) -> Status {
            if (!*quiet) return render.Render(line);
            auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_object() && j.contains("error") && j["error"].is_string())
              return Fail("{}", j["error"].get<std::string>());
            return Ok();
          },
          {{"X-Registry-Auth", RegistryAuthHeader(RegistryDomain(n.repository))}});
      if (!r) return LocalError(r.error());
      if (r->status / 100 != 2) return DaemonError(*r);
      if (*quiet) std::printf("%s\n", FullImageName(n).c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
