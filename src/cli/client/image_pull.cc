// berth pull NAME[:TAG|@DIGEST]: POST /images/create, showing the daemon's
// JSON progress as docker does.
#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/image_names.h"
#include "cli/client/json_message.h"
#include "cli/client/stored_logins.h"

namespace berth::cli {

void AddPullCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a) {
  auto* cmd = parent.add_subcommand(name, "Download an image from a registry");
  auto image = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  auto platform = std::make_shared<std::string>();
  cmd->add_option("NAME", *image, "image reference")->required();
  cmd->add_flag("-q,--quiet", *quiet, "suppress verbose output");
  cmd->add_option("--platform", *platform, "platform (os[/arch[/variant]])");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      ImageName n = SplitImageName(*image);
      std::string q = "/images/create?fromImage=" + UrlEncode(n.repository) +
                      "&tag=" + UrlEncode(n.digest.empty() ? n.tag : n.digest);
      if (!platform->empty()) q += "&platform=" + UrlEncode(*platform);
      JsonMessageRenderer render(*quiet ? nullptr : stdout, ::isatty(1) == 1);
      std::optional<Error> stream_error;
      // The stored login for the image's registry travels with the
      // request, as docker's CLI sends it.
      auto r = o.Client().Stream(
          "POST", q,
          [&](std::string_view line) -> Status {
            if (*quiet) {
              auto j = nlohmann::json::parse(line, nullptr, false);
              if (j.is_object() && j.contains("error") && j["error"].is_string())
                return Fail("{}", j["error"].get<std::string>());
              return Ok();
            }
            return render.Render(line);
          },
          {{"X-Registry-Auth", RegistryAuthHeader(RegistryDomain(n.repository))}});
      if (!r) return LocalError(r.error());
      if (r->status / 100 != 2) return DaemonError(*r);
      std::printf("%s\n", FullImageName(n).c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
