// The OCI runtime spec (a bundle's config.json) of a container: the image's
// config and the user's create options merged by docker's rules, over the
// security baseline of DESIGN.md (docker's defaults: 14 capabilities, the
// default seccomp profile, masked and read-only paths, the device
// allowlist, fresh namespaces, /proc nosuid,noexec,nodev, /sys read-only).
//
// BuildContainerSpec is the one driver; the helpers it uses are public so
// tests can hold each rule down. It reads the container's /etc/passwd and
// /etc/group inside the rootfs, creates the working directory there, and
// writes hostname, hosts and resolv.conf into the container's directory
// (they are bind-mounted at /etc/…). It does not mount or start anything.
// Thread-safe for distinct containers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "engine/container_config.h"
#include "engine/container_user.h"
#include "spec/runtime_spec.h"

namespace berth::engine {

// Docker's default capabilities, in docker's order.
const std::vector<std::string>& DefaultCapabilities();
// What a process runs with when neither image nor user sets PATH.
inline constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// Where --init's binary is bind-mounted, as docker names it.
inline constexpr std::string_view kInitPathInContainer = "/sbin/docker-init";

struct ContainerSpecInput {
  std::string id;  // 64 hex
  ContainerConfig config;
  HostConfig host_config;
  nlohmann::json image_config = nlohmann::json::object();  // the image config's "config" object
  std::string rootfs;         // host path of the container's root filesystem
  std::string container_dir;  // containers/<id>: hostname, hosts, resolv.conf go here
  std::string cgroups_path;   // empty: "/berth/<id>"
  // For "container:X" modes: the namespace files of X's init
  // ("/proc/PID/ns/net"), which the caller resolves.
  std::string net_ns_path, pid_ns_path, ipc_ns_path, uts_ns_path;
  std::string init_binary;  // host path of tini/catatonit, for HostConfig.Init
  std::string host_resolv_conf = "/etc/resolv.conf";
  std::string host_hosts = "/etc/hosts";
  // The container's volumes, binds and tmpfs mounts, resolved by the
  // start driver (engine/container_mounts.cc); they go after the defaults
  // and replace a default mount at the same destination.
  std::vector<spec::Mount> extra_mounts;
  // userns-remap: the container's user namespace maps (empty: none).
  std::vector<spec::IdMapping> uid_mappings, gid_mappings;
  // userns-remap: the user namespace to join instead ("/proc/PID/ns/user"
  // of a container whose pid/net/ipc namespace this one joins).
  std::string user_ns_path;
};

struct ContainerSpec {
  spec::Config config;
  std::string hostname;  // what the container sees
  int stop_signal = 15;  // from the options, else the image, else SIGTERM
};

Result<ContainerSpec> BuildContainerSpec(const ContainerSpecInput& in);

// The init for HostConfig.Init: the first statically linked one installed
// (tini-static, docker.io's docker-init, catatonit), since it runs inside
// images that may have no C library at all; "" when there is none.
std::string FindInitBinary();

// Entrypoint + Cmd by docker's rules: an Entrypoint given (even empty)
// replaces the image's and drops the image's Cmd unless empty; a Cmd given
// replaces the image's. "No command specified" when nothing is left.
Result<std::vector<std::string>> MergeCommand(const ContainerConfig& c,
                                              const nlohmann::json& image_config);

// The process environment: PATH (default), HOSTNAME, TERM=xterm for a tty,
// then the image's Env, then the user's, each replacing an earlier value of
// the same name; a user entry without '=' removes the name.
Result<std::vector<std::string>> MergeEnv(const nlohmann::json& image_config,
                                          const std::vector<std::string>& user_env,
                                          const std::string& hostname, bool tty);

// The container's /etc/hosts: localhost lines, then the hostname.
std::string HostsFileText(const std::string& hostname, const std::string& domainname);
// The container's /etc/resolv.conf from the host's: outside the host's
// network namespace a loopback nameserver (127.x, ::1) cannot answer, so
// those lines go (docker's rule); with none left, Google's public DNS.
std::string ResolvConfText(std::string_view host_resolv_conf, bool host_network);

}  // namespace berth::engine
