// berth top CONTAINER [ps OPTIONS]: GET /containers/{id}/top, the daemon's
// ps of the container's processes as a table (Titles, then Processes).
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/client/container_each.h"
#include "cli/client/units.h"

namespace berth::cli {

void AddTopCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto container = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("top", "Display the running processes of a container");
  cmd->prefix_command();  // what follows CONTAINER is ps's options
  cmd->add_option("CONTAINER", *container, "container")->required();
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      std::string ps_args;
      for (const std::string& s : cmd->remaining()) ps_args += (ps_args.empty() ? "" : " ") + s;
      std::string q = ContainerPath(*container) + "/top";
      if (!ps_args.empty()) q += "?ps_args=" + UrlEncode(ps_args);
      auto r = o.Client().Call("GET", q);
      if (!r) return LocalError(r.error());
      if (r->status != 200) return DaemonError(*r);
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      std::vector<std::vector<std::string>> rows;
      auto row_of = [](const nlohmann::json& arr) {
        std::vector<std::string> row;
        if (arr.is_array())
          for (const auto& c : arr) row.push_back(c.is_string() ? c.get<std::string>() : c.dump());
        return row;
      };
      if (j.is_object() && j.contains("Titles")) rows.push_back(row_of(j["Titles"]));
      if (j.is_object() && j.contains("Processes") && j["Processes"].is_array())
        for (const auto& p : j["Processes"]) rows.push_back(row_of(p));
      // docker's tabwriter here: cells at least 20 wide, padding 3.
      std::fputs(FormatTable(rows, 20).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace berth::cli
