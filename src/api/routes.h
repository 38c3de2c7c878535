// The Docker Engine API routes berthd serves, grouped by the part of the
// API they belong to; each group's file translates between docker's JSON
// and the engine's calls, and nothing else.
#pragma once

#include <string>

#include "api/router.h"
#include "engine/container_service.h"
#include "engine/daemon_config.h"
#include "engine/event_bus.h"
#include "engine/image_service.h"
#include "engine/volume_service.h"

namespace berth::api {

// What the routes reach: the engine's services and the daemon's identity.
struct ApiContext {
  engine::ImageService* images = nullptr;
  engine::ContainerService* containers = nullptr;
  engine::EventBus* events = nullptr;
  engine::VolumeService* volumes = nullptr;
  engine::DaemonConfig config;
  std::string daemon_id;  // stable across restarts (kept under the data root)
  std::string version = "0.1.0";
};

void AddSystemRoutes(Router& r, ApiContext& ctx);     // /_ping, /version, /info
void AddImageRoutes(Router& r, ApiContext& ctx);      // /images/...
void AddContainerRoutes(Router& r, ApiContext& ctx);  // /containers/...
void AddEventRoutes(Router& r, ApiContext& ctx);      // /events
// /containers/{id}/exec, /exec/..., /containers/{id}/changes and export
void AddExecRoutes(Router& r, ApiContext& ctx);

// --- resources and update ---
void AddUpdateRoutes(Router& r, ApiContext& ctx);  // /containers/{id}/update

// --- security options and userns-remap ---

// --- volumes, binds, tmpfs ---
// /volumes/... and /system/df (volume_routes.cc)
void AddVolumeRoutes(Router& r, ApiContext& ctx);

// --- restart policies, health checks, stats ---
// GET /containers/{id}/stats
void AddStatsRoutes(Router& r, ApiContext& ctx);

// --- cp and commit ---
// /containers/{id}/archive (docker cp) and /commit
void AddArchiveRoutes(Router& r, ApiContext& ctx);

// The HTTP status docker uses for an engine error: ENOENT 404, EEXIST and
// EBUSY 409, EINVAL 400, EACCES 403, anything else 500.
int StatusForError(const Error& e);

}  // namespace berth::api
