// berth ps [-a] [-q] [-n N] [-l] [--no-trunc] [-s] [-f K=V]... [--format T]:
// GET /containers/json, shown as docker's ps shows it.
#include <cstdio>
#include <ctime>
#include <map>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/container_format.h"
#include "cli/client/go_template.h"
#include "cli/client/json_fields.h"
#include "cli/client/units.h"

namespace berth::cli {

using nlohmann::json;

namespace {

// The fields docker's ps formatter offers a template, all strings (its
// {{json .}} prints exactly these).
json PsFields(const json& c, bool no_trunc, int64_t now) {
  std::string id = StrField(c, "Id");
  std::string image = StrField(c, "Image");
  // An image given by ID shows as the short ID.
  if (!no_trunc && image.starts_with("sha256:")) image = TruncateId(image);
  int64_t created = IntField(c, "Created");
  std::string size = HumanSizeWithPrecision(static_cast<double>(IntField(c, "SizeRw")), 3);
  if (int64_t root = IntField(c, "SizeRootFs"); root > 0)
    size += " (virtual " + HumanSizeWithPrecision(static_cast<double>(root), 3) + ")";
  std::string networks;
  if (c.contains("NetworkSettings") && c["NetworkSettings"].is_object() &&
      c["NetworkSettings"].contains("Networks") && c["NetworkSettings"]["Networks"].is_object()) {
    std::map<std::string, bool> sorted;
    for (auto& [k, v] : c["NetworkSettings"]["Networks"].items()) sorted[k] = true;
    for (const auto& [k, v] : sorted) networks += (networks.empty() ? "" : ",") + k;
  }
  int local_volumes = 0;
  std::string mounts;
  if (c.contains("Mounts") && c["Mounts"].is_array())
    for (const json& m : c["Mounts"]) {
      if (StrField(m, "Driver") == "local") local_volumes++;
      std::string n = StrField(m, "Name");
      if (n.empty()) n = StrField(m, "Source");
      if (!no_trunc && n.size() > 15 && StrField(m, "Name") == n) n = n.substr(0, 12) + "…";
      mounts += (mounts.empty() ? "" : ",") + n;
    }
  return json{{"Command", PsCommand(StrField(c, "Command"), no_trunc)},
              {"CreatedAt", GoTimeString(created)},
              {"ID", no_trunc ? id : TruncateId(id)},
              {"Image", image},
              {"Labels", PsLabels(c.contains("Labels") ? c["Labels"] : json())},
              {"LocalVolumes", std::to_string(local_volumes)},
              {"Mounts", mounts},
              {"Names", PsNames(c.contains("Names") ? c["Names"] : json(), no_trunc)},
              {"Networks", networks},
              {"Ports", PsPorts(c.contains("Ports") ? c["Ports"] : json())},
              {"RunningFor", TimeAgo(created, now)},
              {"Size", size},
              {"State", StrField(c, "State")},
              {"Status", StrField(c, "Status")}};
}

// The header docker prints for each field in a "table" format.
json PsHeaders() {
  return json{
      {"Command", "COMMAND"}, {"CreatedAt", "CREATED AT"}, {"ID", "CONTAINER ID"},
      {"Image", "IMAGE"},     {"Labels", "LABELS"},        {"LocalVolumes", "LOCAL VOLUMES"},
      {"Mounts", "MOUNTS"},   {"Names", "NAMES"},          {"Networks", "NETWORKS"},
      {"Ports", "PORTS"},     {"RunningFor", "CREATED"},   {"Size", "SIZE"},
      {"State", "STATE"},     {"Status", "STATUS"}};
}

std::vector<std::string> SplitTabs(const std::string& s) {
  std::vector<std::string> cells;
  size_t b = 0, t;
  while ((t = s.find('\t', b)) != std::string::npos) {
    cells.push_back(s.substr(b, t - b));
    b = t + 1;
  }
  cells.push_back(s.substr(b));
  return cells;
}

}  // namespace

void AddPsCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a) {
  struct Flags {
    bool all = false, quiet = false, latest = false, no_trunc = false, size = false;
    int last = -1;
    std::vector<std::string> filters;
    std::string format;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = parent.add_subcommand(name, "List containers");
  cmd->add_flag("-a,--all", f->all, "show all containers (default shows just running)");
  cmd->add_flag("-q,--quiet", f->quiet, "only display container IDs");
  cmd->add_option("-n,--last", f->last, "show n last created containers (includes all states)");
  cmd->add_flag("-l,--latest", f->latest, "show the latest created container");
  cmd->add_flag("--no-trunc", f->no_trunc, "don't truncate output");
  cmd->add_flag("-s,--size", f->size, "display total file sizes");
  cmd->add_option("-f,--filter", f->filters, "filter output based on conditions provided")
      ->allow_extra_args(false);
  cmd->add_option("--format", f->format, "pretty-print containers using a Go template");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      std::string q = "/containers/json?";
      if (f->all) q += "all=1&";
      int limit = f->latest ? 1 : f->last;
      if (limit > 0) q += "limit=" + std::to_string(limit) + "&";
      // A template that shows sizes needs them computed, as docker asks.
      if (f->size || f->format.find(".Size") != std::string::npos) q += "size=1&";
      if (!f->filters.empty()) {
        auto fj = FiltersJson(f->filters);
        if (!fj) {
          std::fprintf(stderr, "invalid argument \"%s\" for \"-f, --filter\" flag: %s\n",
                       f->filters.back().c_str(), fj.error().What().c_str());
          std::fprintf(stderr, "See 'berth ps --help'.\n");
          return 125;
        }
        q += "filters=" + UrlEncode(*fj) + "&";
      }
      q.pop_back();
      auto r = o.Client().Call("GET", q);
      if (!r) return LocalError(r.error());
      if (r->status != 200) return DaemonError(*r);
      json list = json::parse(r->body, nullptr, false);
      if (!list.is_array()) return LocalError(Error(0, "ps: malformed daemon response"));

      int64_t now = ::time(nullptr);
      std::string tmpl = f->format;
      if (f->quiet && tmpl.empty()) tmpl = "{{.ID}}";
      if (tmpl.empty() || tmpl == "table") {
        tmpl =
            "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}"
            "\t{{.Names}}";
        if (f->size) tmpl += "\t{{.Size}}";
      }
      bool table = tmpl.starts_with("table");
      if (table) tmpl = tmpl.substr(tmpl.size() > 5 && tmpl[5] == ' ' ? 6 : 5);
      std::vector<std::vector<std::string>> rows;
      if (table) {
        auto header = RenderGoTemplate(tmpl, PsHeaders());
        if (!header) return LocalError(header.error());
        rows.push_back(SplitTabs(*header));
      }
      for (const json& c : list) {
        auto line = RenderGoTemplate(tmpl, PsFields(c, f->no_trunc, now));
        if (!line) {
          std::fprintf(stderr, "%s\n", line.error().What().c_str());
          return 1;
        }
        if (table)
          rows.push_back(SplitTabs(*line));
        else
          std::printf("%s\n", line->c_str());
      }
      if (table) std::fputs(FormatTable(rows, 10).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace berth::cli
