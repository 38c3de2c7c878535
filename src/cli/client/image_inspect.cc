// berth inspect / image inspect [-f FORMAT] IMAGE...: GET
// /images/{name}/json, printed as docker prints it (a JSON array indented
// by 4, or one --format line per image).
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/go_template.h"

namespace berth::cli {

void AddImageInspectCommand(CLI::App& parent, const std::string& name, ClientOptions& o,
                            ClientAction* a) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand(name, "Display detailed information on images");
  cmd->add_option("IMAGE", *names, "images")->required();
  cmd->add_option("-f,--format", *format, "Go template");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      int rc = 0;
      nlohmann::json all = nlohmann::json::array();
      std::vector<std::string> not_found;
      for (const std::string& n : *names) {
        auto r = o.Client().Call("GET", "/images/" + n + "/json");
        if (!r) {
          rc = LocalError(r.error());
          continue;
        }
        if (r->status == 404) {
          not_found.push_back(n);
          rc = 1;
          continue;
        }
        if (r->status != 200) {
          rc = DaemonError(*r);
          continue;
        }
        auto j = nlohmann::json::parse(r->body, nullptr, false);
        if (j.is_discarded()) continue;
        if (!format->empty()) {
          auto line = RenderGoTemplate(*format, j);
          if (!line) return LocalError(line.error());
          std::printf("%s\n", line->c_str());
        } else {
          all.push_back(std::move(j));
        }
      }
      // As docker: what was found first, then what was not.
      if (format->empty()) std::printf("%s\n", all.dump(4).c_str());
      std::fflush(stdout);
      for (const std::string& n : not_found)
        std::fprintf(stderr, "Error: No such image: %s\n", n.c_str());
      return rc;
    };
  });
}

}  // namespace berth::cli
