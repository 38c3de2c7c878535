// The checks of a container's resource limits that need the host, made
// when the container is created or updated (so a bad value leaves nothing
// behind), with docker's messages: --cpus above the host's CPU count, a
// cpuset naming CPUs or memory nodes the host lacks, a throttle device
// that does not exist.
//
// Reads sched_getaffinity, /sys/devices/system and stats the devices;
// thread-safe.
#pragma once

#include "base/error.h"
#include "engine/host_resources.h"

namespace berth::engine {

// Every error carries EINVAL (a 400): "Range of CPUs is from 0.01 to 2.00,
// as there are only 2 CPUs available", "Requested CPUs are not available -
// requested 5, available: 0-1", "stat /dev/nope: no such file or directory".
Status CheckResourcesOnHost(const Resources& r);

}  // namespace berth::engine
