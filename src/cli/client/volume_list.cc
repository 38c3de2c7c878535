// berth volume ls [-q] [-f K=V]... [--format T]: GET /volumes, printed as
// docker's table (DRIVER, VOLUME NAME), names alone, or a template per
// volume.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/container_format.h"
#include "cli/client/go_template.h"
#include "cli/client/json_fields.h"
#include "cli/client/units.h"

namespace berth::cli {

namespace {

// What a --format template sees of one volume (docker's volume context).
nlohmann::json VolumeContext(const nlohmann::json& v) {
  std::string labels;
  if (v.contains("Labels") && v["Labels"].is_object())
    for (const auto& [k, val] : v["Labels"].items())
      labels +=
          (labels.empty() ? "" : ",") + k + "=" + (val.is_string() ? val.get<std::string>() : "");
  return {{"Name", StrField(v, "Name")},
          {"Driver", StrField(v, "Driver")},
          {"Scope", StrField(v, "Scope")},
          {"Mountpoint", StrField(v, "Mountpoint")},
          {"Labels", labels},
          {"Links", "N/A"},
          {"Size", "N/A"}};
}

}  // namespace

void AddVolumeListCommand(CLI::App& parent, const std::string& name, ClientOptions& o,
                          ClientAction* a) {
  struct Flags {
    bool quiet = false;
    std::vector<std::string> filters;
    std::string format;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = parent.add_subcommand(name, "List volumes");
  cmd->add_flag("-q,--quiet", f->quiet, "only display volume names");
  cmd->add_option("-f,--filter", f->filters, "provide filter values (e.g. 'dangling=true')")
      ->allow_extra_args(false);
  cmd->add_option("--format", f->format, "pretty-print volumes using a Go template");
  cmd->callback([f, &o, a] {
    *a = [f, &o]() -> int {
      std::string q = "/volumes";
      if (!f->filters.empty()) {
        auto fj = FiltersJson(f->filters);
        if (!fj) {
          std::fprintf(stderr, "invalid argument \"%s\" for \"-f, --filter\" flag: %s\n",
                       f->filters.back().c_str(), fj.error().What().c_str());
          return 125;
        }
        q += "?filters=" + UrlEncode(*fj);
      }
      auto r = o.Client().Call("GET", q);
      if (!r) return LocalError(r.error());
      if (r->status != 200) return DaemonError(*r);
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      nlohmann::json volumes = j.is_object() && j.contains("Volumes") && j["Volumes"].is_array()
                                   ? j["Volumes"]
                                   : nlohmann::json::array();
      std::sort(volumes.begin(), volumes.end(), [](const auto& x, const auto& y) {
        return StrField(x, "Name") < StrField(y, "Name");
      });
      if (f->quiet) {
        for (const auto& v : volumes) std::printf("%s\n", StrField(v, "Name").c_str());
        return 0;
      }
      if (!f->format.empty()) {
        std::string tmpl = f->format;
        if (tmpl.starts_with("table")) tmpl = tmpl.substr(5);
        for (const auto& v : volumes) {
          auto line = RenderGoTemplate(tmpl, VolumeContext(v));
          if (!line) return LocalError(line.error());
          std::printf("%s\n", line->c_str());
        }
        return 0;
      }
      std::vector<std::vector<std::string>> rows = {{"DRIVER", "VOLUME NAME"}};
      for (const auto& v : volumes) rows.push_back({StrField(v, "Driver"), StrField(v, "Name")});
      std::fputs(FormatTable(rows, 10).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace berth::cli
