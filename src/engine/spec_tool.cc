// berth-spec-tool: prints the config.json BuildContainerSpec makes, for the
// integration tests that run it with berth-runtime. Test-only, not
// installed.
//
//   berth-spec-tool --id ID --rootfs DIR --dir DIR [--create FILE]
//                   [--image-config FILE] [--cgroups-path PATH]
//                   [--net-ns|--pid-ns|--ipc-ns|--uts-ns PATH] [--init-binary PATH]
//
// --create is a POST /containers/create body; --image-config the "config"
// object of an image config (Env, Cmd, Entrypoint, ...).
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "base/fs.h"
#include "engine/container_config.h"
#include "engine/container_spec.h"
#include "spec/runtime_spec.h"

namespace {

using berth::Result;

struct Options {
  std::string create_file, image_file;
  berth::engine::ContainerSpecInput in;
};

Result<std::string> Run(Options o) {
  berth::engine::ContainerSpecInput& in = o.in;
  const std::string& create_file = o.create_file;
  const std::string& image_file = o.image_file;
  if (in.init_binary.empty()) in.init_binary = berth::engine::FindInitBinary();
  if (!create_file.empty()) {
    std::string body = TRY(berth::ReadFile(create_file));
    auto req = TRY(berth::engine::ParseCreateRequest(body));
    in.config = std::move(req.config);
    in.host_config = std::move(req.host_config);
  }
  if (!image_file.empty()) {
    std::string text = TRY(berth::ReadFile(image_file));
    in.image_config = nlohmann::json::parse(text, nullptr, false);
    if (in.image_config.is_discarded()) return berth::Fail("{}: not valid JSON", image_file);
  }
  auto spec = TRY(berth::engine::BuildContainerSpec(in));
  return berth::spec::ConfigToJson(spec.config).dump(2) + "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"prints the OCI config.json berthd would give a container"};
  Options o;
  app.add_option("--id", o.in.id, "container ID (64 hex)")->required();
  app.add_option("--rootfs", o.in.rootfs, "the container's root filesystem")->required();
  app.add_option("--dir", o.in.container_dir, "where hostname, hosts and resolv.conf are written")
      ->required();
  app.add_option("--create", o.create_file, "a POST /containers/create body");
  app.add_option("--image-config", o.image_file, "the image config's \"config\" object");
  app.add_option("--cgroups-path", o.in.cgroups_path, "linux.cgroupsPath");
  app.add_option("--net-ns", o.in.net_ns_path, "network namespace of NetworkMode container:X");
  app.add_option("--pid-ns", o.in.pid_ns_path, "PID namespace of PidMode container:X");
  app.add_option("--ipc-ns", o.in.ipc_ns_path, "IPC namespace of IpcMode container:X");
  app.add_option("--uts-ns", o.in.uts_ns_path, "UTS namespace of UTSMode container:X");
  app.add_option("--init-binary", o.in.init_binary, "init for HostConfig.Init");
  CLI11_PARSE(app, argc, argv);
  auto out = Run(std::move(o));
  if (!out) {
    std::fprintf(stderr, "berth-spec-tool: %s\n", out.error().What().c_str());
    return 1;
  }
  std::fputs(out->c_str(), stdout);
  return 0;
}
