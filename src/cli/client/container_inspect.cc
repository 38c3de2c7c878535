// berth container inspect [-f T] [-s] CONTAINER..., and the plain
// `berth inspect`, which (as docker's) tries each name as a container, then
// as an image. Printed as docker prints it: one JSON array indented by 4,
// or one --format line per object.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/container_each.h"
#include "cli/client/go_template.h"

namespace berth::cli {

namespace {

// kind: "container", "image" or "" (either, container first).
int Inspect(ClientOptions& o, const std::vector<std::string>& names, const std::string& format,
            bool size, const std::string& kind) {
  int rc = 0;
  nlohmann::json all = nlohmann::json::array();
  std::vector<std::string> errors;
  for (const std::string& n : names) {
    std::vector<std::string> paths;
    if (kind != "image") paths.push_back(ContainerPath(n) + "/json" + (size ? "?size=1" : ""));
    if (kind != "container") paths.push_back("/images/" + UrlEncode(n) + "/json");
    std::optional<nlohmann::json> found;
    bool failed = false;  // an error other than "not found"
    for (const std::string& p : paths) {
      auto r = o.Client().Call("GET", p);
      if (!r) return LocalError(r.error());
      if (r->status == 404) continue;
      if (r->status != 200) {
        errors.push_back("Error response from daemon: " + r->ErrorMessage());
        failed = true;
        break;
      }
      found = nlohmann::json::parse(r->body, nullptr, false);
      break;
    }
    if (!found) {
      if (!failed)
        errors.push_back("Error: No such " + std::string(kind.empty() ? "object" : kind) + ": " +
                         n);
      rc = 1;
      continue;
    }
    if (found->is_discarded()) continue;
    if (!format.empty()) {
      auto line = RenderGoTemplate(format, *found);
      if (!line) {
        std::fprintf(stderr, "%s\n", line.error().What().c_str());
        return 1;
      }
      std::printf("%s\n", line->c_str());
    } else {
      all.push_back(std::move(*found));
    }
  }
  // As docker: what was found first, then what was not.
  if (format.empty()) std::printf("%s\n", all.dump(4).c_str());
  std::fflush(stdout);
  for (const std::string& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
  return errors.empty() ? rc : 1;
}

}  // namespace

void AddContainerInspectCommand(CLI::App& parent, ClientOptions& o, ClientAction* a,
                                bool any_object) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>();
  auto size = std::make_shared<bool>(false);
  auto type = std::make_shared<std::string>();
  auto* cmd =
      parent.add_subcommand("inspect", any_object ? "Return low-level information on objects"
                                                  : "Display detailed information on containers");
  cmd->add_option(any_object ? "NAME" : "CONTAINER", *names, "names")->required();
  cmd->add_option("-f,--format", *format, "Go template");
  cmd->add_flag("-s,--size", *size, "display total file sizes");
  if (any_object)
    cmd->add_option("--type", *type, "only this type of object (container or image)")
        ->check(CLI::IsMember({"container", "image"}));
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      return Inspect(o, *names, *format, *size, any_object ? *type : "container");
    };
  });
}

}  // namespace berth::cli
