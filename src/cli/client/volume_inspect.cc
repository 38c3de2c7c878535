// berth volume inspect [-f T] VOLUME...: GET /volumes/{name}, printed as
// docker does (one JSON array indented by 4, or a --format line each).
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/go_template.h"

namespace berth::cli {

void AddVolumeInspectCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>();
  auto* cmd =
      parent.add_subcommand("inspect", "Display detailed information on one or more volumes");
  cmd->add_option("VOLUME", *names, "volumes")->required();
  cmd->add_option("-f,--format", *format, "format the output using the given Go template");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      nlohmann::json all = nlohmann::json::array();
      std::vector<std::string> errors;
      for (const std::string& n : *names) {
        auto r = o.Client().Call("GET", "/volumes/" + UrlEncode(n));
        if (!r) return LocalError(r.error());
        if (r->status != 200) {
          errors.push_back("Error response from daemon: " + r->ErrorMessage());
          continue;
        }
        auto v = nlohmann::json::parse(r->body, nullptr, false);
        if (v.is_discarded()) continue;
        if (!format->empty()) {
          auto line = RenderGoTemplate(*format, v);
          if (!line) return LocalError(line.error());
          std::printf("%s\n", line->c_str());
        } else {
          all.push_back(std::move(v));
        }
      }
      if (format->empty()) std::printf("%s\n", all.dump(4).c_str());
      std::fflush(stdout);
      for (const std::string& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
      return errors.empty() ? 0 : 1;
    };
  });
}

}  // namespace berth::cli
