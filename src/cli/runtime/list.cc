// berth-runtime list [--format table|json] [-q]: the containers under --root.
#include <cstdio>

#include "cli/runtime/commands.h"

namespace berth::cli {
namespace {

// runc prints through Go's tabwriter (min width 12, padding 1).
void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(12);
      width[i] = std::max(width[i], r[i].size() + 1);
    }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line.append(width[i] - r[i].size(), ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

}  // namespace

void AddList(CLI::App& app, Globals& g, Action* action) {
  auto* cmd = app.add_subcommand("list", "list containers");
  auto format = std::make_shared<std::string>("table");
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("-f,--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->add_flag("-q,--quiet", *quiet, "print only the ids");
  cmd->callback([&g, action, format, quiet] {
    *action = [&g, format, quiet] {
      auto all = runtime::List(g.Options());
      if (!all) return ReportError(all.error());
      if (*quiet) {
        for (const auto& r : *all) std::printf("%s\n", r.id.c_str());
        return 0;
      }
      if (*format == "json") {
        auto arr = nlohmann::json::array();
        for (const auto& r : *all) {
          auto st = runtime::ToState(r);
          arr.push_back({{"ociVersion", r.oci_version},
                         {"id", r.id},
                         {"pid", st.pid},
                         {"status", spec::StatusName(st.status)},
                         {"bundle", r.bundle},
                         {"rootfs", r.rootfs},
                         {"created", r.created},
                         {"owner", r.owner}});
          if (!r.annotations.empty()) arr.back()["annotations"] = r.annotations;
        }
        std::printf("%s\n", arr.dump().c_str());
        return 0;
      }
      std::vector<std::vector<std::string>> rows = {
          {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
      for (const auto& r : *all) {
        auto st = runtime::ToState(r);
        rows.push_back({r.id, std::to_string(st.pid), spec::StatusName(st.status), r.bundle,
                        r.created, r.owner});
      }
      PrintTable(rows);
      return 0;
    };
  });
}

}  // namespace berth::cli
