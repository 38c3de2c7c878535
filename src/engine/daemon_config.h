// berthd's configuration: command-line flags over /etc/berth/daemon.json,
// whose keys are dockerd's daemon.json keys where they mean the same thing
// ("data-root", "exec-root", "insecure-registries", "registry-mirrors",
// "max-concurrent-downloads", "debug", "hosts", "userns-remap"), so a docker user's file carries
// over. Unknown keys are refused with their name, as dockerd refuses them.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace berth::engine {

struct DaemonConfig {
  std::string data_root = "/var/lib/berth";
  std::string exec_root = "/run/berth";
  std::string socket_path;  // default: <exec_root>/berth.sock
  std::vector<std::string> insecure_registries;
  std::vector<std::string> registry_mirrors;
  int max_concurrent_downloads = 3;
  bool debug = false;
  // dockerd's "userns-remap": "" (off), "USER", "USER:GROUP", "UID[:GID]"
  // or "default"; resolved at start-up (engine/userns_remap.h).
  std::string userns_remap;
};

// Reads a daemon.json into `cfg` (fields absent from the file keep their
// value). A missing file at the default path is fine; a malformed one is an
// error naming the file and the key.
Status LoadDaemonConfigFile(const std::string& path, DaemonConfig& cfg);

// Sets cfg.socket_path from a listen address as dockerd takes it (`-H`, or
// daemon.json's "hosts"): unix:///path only. The API gives root on the host
// to whoever reaches it, so a TCP listener may exist only with mutual TLS
// (DESIGN.md), which is not served yet: tcp:// is refused saying so.
// `where` names the source in the error ("--host", `config file F: "hosts"`).
Status SetListenAddress(DaemonConfig& cfg, const std::string& addr, const std::string& where);

}  // namespace berth::engine
