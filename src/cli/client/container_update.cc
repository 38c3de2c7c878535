// berth update [OPTIONS] CONTAINER...: POST /containers/{id}/update with
// docker's body (the Resources fields and, with --restart, a
// RestartPolicy), for each container in turn, printing each name as it
// succeeds and the errors together at the end (exit 1), as docker does.
#include <cstdio>
#include <cstdlib>

#include "cli/client/container_each.h"
#include "cli/client/run_flags_resources.h"

namespace berth::cli {

using nlohmann::json;

namespace {

// --restart no|always|unless-stopped|on-failure[:N], as docker's CLI
// reads it.
Result<json> ParseRestart(const std::string& v) {
  size_t colon = v.find(':');
  std::string name = v.substr(0, colon);
  int64_t max = 0;
  if (colon != std::string::npos) {
    if (name != "on-failure")
      return Fail(
          "invalid restart policy format: maximum retry count can only be used with "
          "'on-failure'");
    std::string n = v.substr(colon + 1);
    char* end = nullptr;
    long long c = std::strtoll(n.c_str(), &end, 10);
    if (n.empty() || *end != '\0') return Fail("maximum retry count must be an integer");
    max = c;
  }
  if (name != "no" && name != "always" && name != "unless-stopped" && name != "on-failure")
    return Fail("invalid restart policy {}", name);
  return json{{"Name", name}, {"MaximumRetryCount", max}};
}

struct UpdateFlags {
  ResourceFlags resources;
  std::string restart;
  std::vector<std::string> names;
};

}  // namespace

void AddUpdateCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto f = std::make_shared<UpdateFlags>();
  auto* cmd = parent.add_subcommand("update", "Update configuration of one or more containers");
  AddUpdateResourceFlags(cmd, &f->resources);
  cmd->add_option("--restart", f->restart, "restart policy to apply when a container exits");
  cmd->add_option("CONTAINER", f->names, "containers")->required();
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      // docker refuses an update that changes nothing.
      size_t given = 0;
      for (const CLI::Option* opt : cmd->get_options())
        if (opt->count() > 0 && opt->get_name() != "CONTAINER" && opt->get_name() != "--help")
          ++given;
      if (given == 0) {
        std::fprintf(stderr, "you must provide one or more flags when using this command\n");
        return 1;
      }
      json body = json::object();
      if (auto s = AddResourceBody(f->resources, nullptr, &body); !s) {
        std::fprintf(stderr, "%s\nSee 'berth update --help'.\n", s.error().What().c_str());
        return 125;
      }
      // Fields the update endpoint does not take.
      for (const char* k : {"OomKillDisable", "ShmSize", "Ulimits", "BlkioDeviceReadBps",
                            "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps"})
        body.erase(k);
      if (!f->restart.empty()) {
        auto rp = ParseRestart(f->restart);
        if (!rp) {
          std::fprintf(stderr, "%s\n", rp.error().What().c_str());
          return 1;
        }
        body["RestartPolicy"] = *rp;
      }
      std::string text = body.dump();
      std::vector<std::string> warnings;
      int rc = ForEachContainer(
          o, f->names,
          [&](ApiClient& c, const std::string& n) {
            return c.Call("POST", ContainerPath(n) + "/update", text);
          },
          [&](const std::string& n, const ApiResponse& r) {
            json j = json::parse(r.body, nullptr, false);
            if (j.is_object() && j.contains("Warnings") && j["Warnings"].is_array())
              for (const auto& w : j["Warnings"])
                if (w.is_string()) warnings.push_back(w.get<std::string>());
            return n;
          });
      for (const std::string& w : warnings) std::printf("%s\n", w.c_str());
      return rc;
    };
  });
}

}  // namespace berth::cli
