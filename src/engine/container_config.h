// The parts of docker's POST /containers/create body that berth acts on:
// the container's Config (what to run and how) and its HostConfig (how the
// host treats it). Field names are the Engine API's (api/swagger.yaml).
//
// Parsing checks every field it reads and answers with one line naming the
// field and the cause ("Config.Env[2]: must be a string"), fit for a 400.
// Fields berth does not act on yet are ignored, as dockerd ignores fields it
// does not know.
//
// Plain value types; no syscalls. ToJson writes the normalized form kept in
// the container record, and Parse* reads it back unchanged.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "engine/host_lifecycle.h"
#include "engine/host_resources.h"
#include "engine/host_security.h"
#include "engine/host_storage.h"

namespace berth::engine {

struct ContainerConfig {
  std::string hostname;
  std::string domainname;
  std::string user;              // "name|uid[:group|gid]", empty: the image's
  std::vector<std::string> env;  // "KEY=VALUE"; a bare "KEY" removes the image's KEY
  // Absent (nullopt) and empty differ: an empty Entrypoint clears the
  // image's, an absent one keeps it (docker's merge rules).
  std::optional<std::vector<std::string>> cmd;
  std::optional<std::vector<std::string>> entrypoint;
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::string stop_signal;              // as given ("SIGTERM", "TERM", "15"); empty: the image's
  std::optional<int64_t> stop_timeout;  // seconds
  bool tty = false;
  bool open_stdin = false;
  bool stdin_once = false;
  bool attach_stdin = false;
  bool attach_stdout = false;
  bool attach_stderr = false;
  std::string image;  // as the user named it
  // Config.Volumes: paths that get an anonymous volume unless mounted.
  std::vector<std::string> volumes;
  HealthConfig healthcheck;  // engine/host_lifecycle.h
};

struct LogConfig {
  std::string type = "json-file";             // "json-file" or "none"
  std::map<std::string, std::string> config;  // as given
  int64_t max_size = -1;                      // bytes per file, -1: unlimited (json-file max-size)
  int64_t max_file = 1;                       // files kept, counting the current one (max-file)
};

// How a container gets one kind of namespace: a new one, the host's, or
// another container's ("container:NAME").
struct NamespaceMode {
  enum Kind { kPrivate, kHost, kContainer };
  Kind kind = kPrivate;
  std::string container;       // kContainer: the name or ID given
  std::string String() const;  // as docker shows it: "", "host", "container:x"
};

struct NetworkMode {
  // kBridge is docker's default; until berth has networks it is a new,
  // empty network namespace with loopback only, as kNone.
  enum Kind { kBridge, kNone, kHost, kContainer };
  Kind kind = kBridge;
  std::string container;
  std::string String() const;  // "default" for an unset mode, as docker stores it
};

struct HostConfig {
  bool auto_remove = false;
  std::optional<bool> init;  // absent: the daemon's default (no init)
  LogConfig log_config;
  NetworkMode network_mode;
  NamespaceMode pid_mode, ipc_mode, uts_mode;
  // Each area's fields live in a file of its own.
  Resources resources;           // engine/host_resources.h
  SecurityOptions security;      // engine/host_security.h
  StorageOptions storage;        // engine/host_storage.h
  RestartPolicy restart_policy;  // engine/host_lifecycle.h
  // UsernsMode: "" (the daemon's: remapped under userns-remap) or "host".
  std::string userns_mode;
};

struct CreateRequest {
  ContainerConfig config;
  HostConfig host_config;
};

// Parses a POST /containers/create body: Config fields at the top level,
// HostConfig under "HostConfig".
Result<CreateRequest> ParseCreateRequest(std::string_view body);
// The pieces alone, from parsed JSON (the stored forms of a record).
Result<ContainerConfig> ParseContainerConfig(const nlohmann::json& j);
Result<HostConfig> ParseHostConfig(const nlohmann::json& j);

nlohmann::json ToJson(const ContainerConfig& c);
nlohmann::json ToJson(const HostConfig& h);

// The signal number of a stop signal as docker accepts it: "SIGTERM",
// "TERM", "sigterm", "15", "SIGRTMIN+3". Error: "Invalid signal: X".
Result<int> ParseSignal(std::string_view s);

// A size as docker's --log-opt max-size takes it: "10m", "1.5k", "2g",
// "100" (bytes), binary units. Error: "invalid size: 'X'".
Result<int64_t> ParseSize(std::string_view s);

}  // namespace berth::engine
