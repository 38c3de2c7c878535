// berth logout [SERVER]: forgets the login `berth login` (or `docker
// login`) stored in docker's config.json for SERVER (Docker Hub by
// default), as docker 20.10's CLI does. Purely local: the daemon is not
// asked.
#include <cstdio>

#include "cli/client/commands.h"
#include "spec/docker_config.h"

namespace berth::cli {

void AddLogoutCommand(CLI::App& parent, ClientAction* a) {
  auto* cmd = parent.add_subcommand("logout", "Log out from a Docker registry");
  auto server = std::make_shared<std::string>();
  cmd->add_option("SERVER", *server, "registry (default: Docker Hub)");
  cmd->callback([a, server] {
    *a = [server]() -> int {
      // Every spelling of the registry's key goes (docker also tries
      // "http://host" and "https://host"); the message names the key.
      std::string key = spec::CredentialKey(server->empty() ? "docker.io" : *server);
      std::string path = spec::DefaultDockerConfigPath();
      auto config = spec::DockerConfig::Load(path);
      if (!config) return LocalError(config.error());
      if (!config->Erase(key)) {
        std::printf("Not logged in to %s\n", key.c_str());
        return 0;
      }
      std::printf("Removing login credentials for %s\n", key.c_str());
      // docker warns and still exits 0 when the file cannot be rewritten.
      if (auto st = config->Save(path); !st)
        std::fprintf(stderr, "WARNING: could not erase credentials: %s\n",
                     st.error().What().c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
