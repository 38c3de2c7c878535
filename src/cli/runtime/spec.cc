// berth-runtime spec [--rootless] [--bundle DIR]: writes runc's default
// config.json, refusing to overwrite one.
#include <sys/stat.h>

#include "base/fs.h"
#include "cli/runtime/commands.h"
#include "spec/runtime_spec.h"

namespace berth::cli {

void AddSpec(CLI::App& app, Globals&, Action* action) {
  auto* cmd = app.add_subcommand("spec", "write a default config.json");
  auto bundle = std::make_shared<std::string>(".");
  auto rootless = std::make_shared<bool>(false);
  cmd->add_option("-b,--bundle", *bundle, "where to write config.json");
  cmd->add_flag("--rootless", *rootless, "a config for a container run by an unprivileged user");
  cmd->callback([action, bundle, rootless] {
    *action = [bundle, rootless] {
      std::string path = *bundle + "/config.json";
      struct stat st;
      if (::lstat(path.c_str(), &st) == 0)
        return ReportError(Error::Classified(EEXIST, "File " + path + " exists. Remove it first"));
      auto json = spec::DefaultConfig(*rootless).dump(1, '\t');
      auto w = WriteFileAtomic(path, json + "\n", 0666 & ~0022);
      return w ? 0 : ReportError(w.error());
    };
  });
}

}  // namespace berth::cli
