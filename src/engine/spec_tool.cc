// berth-spec-tool: prints the config.json BuildContainerSpec makes, for the
// integration tests that run it with berth-runtime. Test-only, not
// installed.
//
//   berth-spec-tool --id ID --rootfs DIR --dir DIR [--create FILE]
//                   [--image-config FILE] [--cgroups-path PATH]
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

Result<std::string> Run(const std::string& id, const std::string& rootfs, const std::string& dir,
                        const std::string& create_file, const std::string& image_file,
                        const std::string& cgroups_path) {
  berth::engine::ContainerSpecInput in;
  in.id = id;
  in.rootfs = rootfs;
  in.container_dir = dir;
  in.cgroups_path = cgroups_path;
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
  std::string id, rootfs, dir, create_file, image_file, cgroups_path;
  app.add_option("--id", id, "container ID (64 hex)")->required();
  app.add_option("--rootfs", rootfs, "the container's root filesystem")->required();
  app.add_option("--dir", dir, "where hostname, hosts and resolv.conf are written")->required();
  app.add_option("--create", create_file, "a POST /containers/create body");
  app.add_option("--image-config", image_file, "the image config's \"config\" object");
  app.add_option("--cgroups-path", cgroups_path, "linux.cgroupsPath");
  CLI11_PARSE(app, argc, argv);
  auto out = Run(id, rootfs, dir, create_file, image_file, cgroups_path);
  if (!out) {
    std::fprintf(stderr, "berth-spec-tool: %s\n", out.error().What().c_str());
    return 1;
  }
  std::fputs(out->c_str(), stdout);
  return 0;
}
