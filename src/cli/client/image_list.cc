// berth images [-a] [-q] [--digests] [--no-trunc] [-f K=V]... [--format T]:
// GET /images/json, one row per repository tag, as `docker images` prints.
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/go_template.h"
#include "cli/client/json_fields.h"
#include "cli/client/units.h"

namespace berth::cli {

using nlohmann::json;

namespace {

std::string ShortId(const std::string& id, bool no_trunc) {
  if (no_trunc) return id;
  std::string hex = id.starts_with("sha256:") ? id.substr(7) : id;
  return hex.substr(0, 12);
}

// "-f dangling=true -f reference=busy*" as the API's filters JSON.
std::string FiltersJson(const std::vector<std::string>& filters) {
  std::map<std::string, std::vector<std::string>> m;
  for (const std::string& f : filters) {
    size_t eq = f.find('=');
    m[f.substr(0, eq)].push_back(eq == std::string::npos ? "" : f.substr(eq + 1));
  }
  return json(m).dump();
}

}  // namespace

void AddImagesCommand(CLI::App& parent, const std::string& name, ClientOptions& o,
                      ClientAction* a) {
  struct Flags {
    bool all = false, quiet = false, digests = false, no_trunc = false;
    std::vector<std::string> filters;
    std::string format, repo;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = parent.add_subcommand(name, "List images");
  cmd->add_option("REPOSITORY", f->repo, "only images of this repository[:tag]");
  cmd->add_flag("-a,--all", f->all, "show all images");
  cmd->add_flag("-q,--quiet", f->quiet, "only show image IDs");
  cmd->add_flag("--digests", f->digests, "show digests");
  cmd->add_flag("--no-trunc", f->no_trunc, "don't truncate output");
  cmd->add_option("-f,--filter", f->filters, "filter output (dangling=, reference=, label=)");
  cmd->add_option("--format", f->format, "Go template");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      std::vector<std::string> filters = f->filters;
      if (!f->repo.empty()) filters.push_back("reference=" + f->repo);
      std::string q = "/images/json";
      if (f->all) q += "?all=1";
      if (!filters.empty())
        q += std::string(f->all ? "&" : "?") + "filters=" + UrlEncode(FiltersJson(filters));
      auto r = o.Client().Call("GET", q);
      if (!r) return LocalError(r.error());
      if (r->status != 200) return DaemonError(*r);
      json list = json::parse(r->body, nullptr, false);
      if (!list.is_array()) return LocalError(Error(0, "images: malformed daemon response"));

      int64_t now = ::time(nullptr);
      std::vector<std::vector<std::string>> rows;
      std::vector<json> objects;
      std::set<std::string> seen_ids;
      for (const json& img : list) {
        std::string id = StrField(img, "Id");
        if (f->quiet) {
          if (seen_ids.insert(id).second) std::printf("%s\n", ShortId(id, f->no_trunc).c_str());
          continue;
        }
        std::vector<std::pair<std::string, std::string>> names;
        if (img.contains("RepoTags") && img["RepoTags"].is_array())
          for (const json& t : img["RepoTags"]) {
            if (!t.is_string()) continue;
            std::string s = t.get<std::string>();
            size_t c = s.rfind(':');
            names.emplace_back(s.substr(0, c), s.substr(c + 1));
          }
        if (names.empty()) names.emplace_back("<none>", "<none>");
        std::string digest = "<none>";
        if (img.contains("RepoDigests") && img["RepoDigests"].is_array() &&
            !img["RepoDigests"].empty() && img["RepoDigests"][0].is_string()) {
          std::string d = img["RepoDigests"][0].get<std::string>();
          digest = d.substr(d.find('@') + 1);
        }
        int64_t created = IntField(img, "Created");
        std::string size = HumanSize3(static_cast<double>(IntField(img, "Size")));
        for (const auto& [repo, tag] : names) {
          std::vector<std::string> row{repo, tag};
          if (f->digests) row.push_back(digest);
          row.push_back(ShortId(id, f->no_trunc));
          row.push_back(TimeAgo(created, now));
          row.push_back(size);
          rows.push_back(row);
          objects.push_back(json{{"Repository", repo},
                                 {"Tag", tag},
                                 {"Digest", digest},
                                 {"ID", ShortId(id, f->no_trunc)},
                                 {"CreatedSince", TimeAgo(created, now)},
                                 {"CreatedAt", created},
                                 {"Size", size}});
        }
      }
      if (f->quiet) return 0;
      if (!f->format.empty()) {
        std::string tmpl = f->format;
        bool table = tmpl.starts_with("table");
        if (table) tmpl = tmpl.substr(5);
        for (const json& obj : objects) {
          auto line = RenderGoTemplate(tmpl, obj);
          if (!line) return LocalError(line.error());
          std::printf("%s\n", line->c_str());
        }
        return 0;
      }
      std::vector<std::string> header{"REPOSITORY", "TAG"};
      if (f->digests) header.push_back("DIGEST");
      header.insert(header.end(), {"IMAGE ID", "CREATED", "SIZE"});
      rows.insert(rows.begin(), header);
      std::fputs(FormatTable(rows).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace berth::cli
