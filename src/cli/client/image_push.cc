// berth push [-a] NAME[:TAG]: POST /images/{name}/push?tag=, showing the
// daemon's JSON progress as docker does.
//
// As docker 20.10's CLI: NAME without a tag pushes NAME:latest ("Using
// default tag: latest"); -a/--all-tags pushes every local tag of the
// repository, by leaving the API's tag parameter out (which is what the
// API means by "all tags").
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
  auto all_tags = std::make_shared<bool>(false);
  cmd->add_option("NAME", *image, "image reference")->required();
  cmd->add_flag("-a,--all-tags", *all_tags, "push all tags of the repository");
  cmd->add_flag("-q,--quiet", *quiet, "suppress verbose output");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      ImageName n = SplitImageName(*image);
      if (!n.digest.empty()) {
        std::fprintf(stderr, "cannot push a digest reference\n");
        return 1;
      }
      if (*all_tags && n.tag_given) {
        std::fprintf(stderr, "tag can't be used with --all-tags/-a\n");
        return 1;
      }
      if (!*all_tags && !n.tag_given && !*quiet)
        std::printf("Using default tag: %s\n", n.tag.c_str());
      std::string path = "/images/" + n.repository + "/push";
      if (!*all_tags) path += "?tag=" + UrlEncode(n.tag);
      JsonMessageRenderer render(stdout, ::isatty(1) == 1);
      // The stored login for the registry travels with the request, as
      // docker's CLI sends it.
      auto r = o.Client().Stream(
          "POST", path,
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
      if (*quiet) {
        // docker prints the reference it pushed: the repository alone for -a.
        std::string full = FullImageName(n);
        if (*all_tags) full = full.substr(0, full.rfind(':'));
        std::printf("%s\n", full.c_str());
      }
      return 0;
    };
  });
}

}  // namespace berth::cli
