// berth history [--no-trunc] [-q] IMAGE: GET /images/{name}/history as
// docker prints it, newest first.
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/json_fields.h"
#include "cli/client/units.h"

namespace berth::cli {

void AddHistoryCommand(CLI::App& parent, const std::string& name, ClientOptions& o,
                       ClientAction* a) {
  auto image = std::make_shared<std::string>();
  auto no_trunc = std::make_shared<bool>(false), quiet = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand(name, "Show the history of an image");
  cmd->add_option("IMAGE", *image, "image")->required();
  cmd->add_flag("--no-trunc", *no_trunc, "don't truncate output");
  cmd->add_flag("-q,--quiet", *quiet, "only show image IDs");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      auto r = o.Client().Call("GET", "/images/" + *image + "/history");
      if (!r) return LocalError(r.error());
      if (r->status == 404) {
        std::fprintf(stderr, "Error response from daemon: %s\n", r->ErrorMessage().c_str());
        return 1;
      }
      if (r->status != 200) return DaemonError(*r);
      auto list = nlohmann::json::parse(r->body, nullptr, false);
      if (!list.is_array()) return 1;
      int64_t now = ::time(nullptr);
      std::vector<std::vector<std::string>> rows{
          {"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"}};
      for (const auto& h : list) {
        std::string id = StrField(h, "Id");
        if (id.starts_with("sha256:") && !*no_trunc) id = id.substr(7, 12);
        if (*quiet) {
          std::printf("%s\n", id.c_str());
          continue;
        }
        std::string by = StrField(h, "CreatedBy");
        // docker shows at most 45 characters of the command, ending in "…".
        if (!*no_trunc && by.size() > 45) by = by.substr(0, 44) + "\u2026";
        rows.push_back({id, TimeAgo(IntField(h, "Created"), now), by,
                        HumanSize3(static_cast<double>(IntField(h, "Size"))),
                        StrField(h, "Comment")});
      }
      if (!*quiet) std::fputs(FormatTable(rows).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace berth::cli
