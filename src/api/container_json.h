// A container as docker's API shows it: the inspect document
// (GET /containers/{id}/json) and the list entry (GET /containers/json),
// from the engine's record and its image's config.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/container_store.h"
#include "engine/host_storage.h"

namespace berth::api {

// `image_config`: the image config's "config" object (Env, Cmd, ...), for
// the merged Config docker shows; `size_rw`: the writable layer's bytes,
// or -1 when not asked for; `mount_points`: the container's mounts with
// those it takes --volumes-from (ContainerService::MountPoints), or null
// for its own only.
nlohmann::json ContainerInspectJson(const engine::ContainerRecord& rec,
                                    const nlohmann::json& image_config, int64_t size_rw,
                                    const std::vector<engine::MountPoint>* mount_points = nullptr);
nlohmann::json ContainerSummaryJson(const engine::ContainerRecord& rec,
                                    const nlohmann::json& image_config, int64_t size_rw);

// docker's ps STATUS column: "Created", "Up 5 seconds", "Up 2 minutes
// (Paused)", "Exited (0) 3 seconds ago".
std::string StatusText(const engine::ContainerState& s, int64_t now_unix);

}  // namespace berth::api
