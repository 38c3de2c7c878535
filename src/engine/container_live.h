// The container service's per-container run-time state, shared by its
// drivers (internal to src/engine).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "engine/container_service.h"

namespace berth::engine {

struct ContainerService::Live {
  // Serializes start, stop, kill, remove and rename of this container.
  std::mutex op;
  // Guarded by the service's mu_, changes announced on its cv_:
  bool running = false;  // a monitor is watching its shim
  uint64_t exits = 0;    // how many exits the monitor has taken
  bool removed = false;
  int attaches_pending = 0;    // attach streams waiting for it to start
  int64_t last_exit_code = 0;  // of the latest exit taken
};

struct ContainerService::Locked {
  std::shared_ptr<Live> live;
  std::unique_lock<std::mutex> op;
  ContainerRecord rec;
};

}  // namespace berth::engine
