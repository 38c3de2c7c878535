// Host device nodes given to a container: docker's --device mappings,
// --device-cgroup-rule rules, and every device of the host for
// --privileged. A device becomes two things in the spec: a node the
// runtime creates in the container's /dev (linux.devices) and a rule of
// the device cgroup that lets the container use it
// (linux.resources.devices).
//
// The lookups stat the host's /dev when called (at start, as docker does:
// a device may appear or go between create and start). Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "spec/runtime_spec.h"

namespace berth::engine {

// One HostConfig.Devices entry.
struct DeviceMapping {
  std::string path_on_host;
  std::string path_in_container;
  std::string cgroup_permissions;  // "rwm" or a subset
};

// Whether `mode` is a non-empty set of distinct letters among r, w and m.
bool ValidDeviceMode(std::string_view mode);

// Checks a mapping as the API takes it: absolute paths, valid permissions.
Status CheckDeviceMapping(const DeviceMapping& d);

struct ContainerDevices {
  std::vector<spec::Device> nodes;
  std::vector<spec::DeviceRule> rules;  // allow rules, one per node
};

// The nodes and allow rules for one mapping, docker's way: a link on the
// host is followed; a directory gives every device below it (paths kept
// relative to it). Docker's error when there is nothing to give: "error
// gathering device information while adding custom device \"/dev/x\": no
// such file or directory".
Result<ContainerDevices> DevicesForMapping(const DeviceMapping& d);

// Every char and block device under `dev` ("/dev"), as runc lists them
// for a privileged container: not the pts, shm, mqueue and fd trees, not
// the host's console or ptmx (the container has its own), no links or
// fifos.
std::vector<spec::Device> HostDevices(const std::string& dev = "/dev");

// A --device-cgroup-rule ("c 1:3 mr", "a *:* rwm", "b 7:* rw") as an
// allow rule; docker's "invalid device cgroup rule format: 'X'" otherwise.
Result<spec::DeviceRule> ParseDeviceCgroupRule(std::string_view rule);

}  // namespace berth::engine
