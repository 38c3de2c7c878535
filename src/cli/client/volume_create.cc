// berth volume create [-d DRIVER] [-o K=V]... [--label K=V]... [NAME]:
// POST /volumes/create, printing the volume's name as docker does.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/json_fields.h"

namespace berth::cli {

void AddVolumeCreateCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  struct Flags {
    std::string name, driver = "local";
    std::vector<std::string> opts, labels;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = parent.add_subcommand("create", "Create a volume");
  cmd->add_option("VOLUME", f->name, "volume name");
  cmd->add_option("--name", f->name, "volume name");
  cmd->add_option("-d,--driver", f->driver, "volume driver name");
  cmd->add_option("-o,--opt", f->opts, "driver specific options")->allow_extra_args(false);
  cmd->add_option("--label", f->labels, "metadata for a volume")->allow_extra_args(false);
  cmd->callback([f, &o, a] {
    *a = [f, &o]() -> int {
      nlohmann::json body = {{"Name", f->name},
                             {"Driver", f->driver},
                             {"DriverOpts", nlohmann::json::object()},
                             {"Labels", nlohmann::json::object()}};
      for (const std::string& kv : f->opts) {
        size_t eq = kv.find('=');
        if (eq == std::string::npos) {
          std::fprintf(stderr,
                       "invalid argument \"%s\" for \"-o, --opt\" flag: %s is not a "
                       "key=value pair\nSee 'berth volume create --help'.\n",
                       kv.c_str(), kv.c_str());
          return 125;
        }
        body["DriverOpts"][kv.substr(0, eq)] = kv.substr(eq + 1);
      }
      for (const std::string& kv : f->labels) {
        size_t eq = kv.find('=');
        body["Labels"][kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
      }
      auto r = o.Client().Call("POST", "/volumes/create", body.dump(),
                               {{"Content-Type", "application/json"}});
      if (!r) return LocalError(r.error());
      if (r->status != 201 && r->status != 200) return DaemonError(*r);
      auto v = nlohmann::json::parse(r->body, nullptr, false);
      std::printf("%s\n", StrField(v, "Name").c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
