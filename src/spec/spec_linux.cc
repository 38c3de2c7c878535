// config.json's linux section -> Linux: namespaces, id mappings, time
// offsets, devices, the device cgroup rules, sysctls, propagation, masked and
// read-only paths, personality. seccomp and intelRdt stay raw JSON for the
// runtime to interpret (or refuse).
#include <set>

#include "spec/json_reader.h"
#include "spec/spec_parse.h"

namespace berth::spec {
namespace {

using nlohmann::json;

Result<std::vector<Namespace>> ParseNamespaces(const json& j, const std::string& path) {
  TRY(ExpectArray(j, path));
  std::vector<Namespace> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < j.size(); ++i) {
    std::string item = IndexPath(path, i);
    TRY(ExpectObject(j[i], item));
    Namespace ns;
    TRY(ReadRequired(j[i], "type", item, &ns.type));
    if (!IsKnown(KnownNamespaceTypes(), ns.type)) {
      return Fail("{}.type: unknown namespace type {}", item, Quote(ns.type));
    }
    // The spec: a type given twice MUST be an error.
    if (!seen.insert(ns.type).second)
      return Fail("{}: duplicate namespace {}", path, Quote(ns.type));
    TRY(ReadField(j[i], "path", item, &ns.path));
    if (!ns.path.empty()) TRY(CheckAbsolute(ns.path, FieldPath(item, "path")));
    out.push_back(std::move(ns));
  }
  return out;
}

Result<std::map<std::string, TimeOffset>> ParseTimeOffsets(const json& j, const std::string& path) {
  TRY(ExpectObject(j, path));
  std::map<std::string, TimeOffset> out;
  for (const auto& [clock, value] : j.items()) {
    if (clock != "monotonic" && clock != "boottime") {
      return Fail("{}: unknown clock {} (want monotonic or boottime)", path, Quote(clock));
    }
    std::string item = FieldPath(path, clock);
    TRY(ExpectObject(value, item));
    TimeOffset off;
    TRY(ReadField(value, "secs", item, &off.secs));
    if (const json* ns = Member(value, "nanosecs")) {
      off.nanosecs =
          static_cast<uint32_t>(TRY(ReadUint(*ns, FieldPath(item, "nanosecs"), 999'999'999)));
    }
    out[clock] = off;
  }
  return out;
}

Result<Device> ParseDevice(const json& j, const std::string& path) {
  TRY(ExpectObject(j, path));
  Device d;
  TRY(ReadRequired(j, "type", path, &d.type));
  if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p") {
    return Fail("{}.type: unknown device type {} (want c, b, u or p)", path, Quote(d.type));
  }
  TRY(ReadRequired(j, "path", path, &d.path));
  TRY(CheckAbsolute(d.path, FieldPath(path, "path")));
  // A fifo has no device number; character and block devices need both.
  if (d.type == "p") {
    TRY(ReadField(j, "major", path, &d.major));
    TRY(ReadField(j, "minor", path, &d.minor));
  } else {
    TRY(ReadRequired(j, "major", path, &d.major));
    TRY(ReadRequired(j, "minor", path, &d.minor));
  }
  TRY(ReadField(j, "fileMode", path, &d.file_mode));
  TRY(ReadField(j, "uid", path, &d.uid));
  TRY(ReadField(j, "gid", path, &d.gid));
  return d;
}

Result<DeviceRule> ParseDeviceRule(const json& j, const std::string& path) {
  TRY(ExpectObject(j, path));
  DeviceRule r;
  TRY(ReadRequired(j, "allow", path, &r.allow));
  TRY(ReadField(j, "type", path, &r.type));
  if (!r.type.empty() && r.type != "a" && r.type != "c" && r.type != "b") {
    return Fail("{}.type: unknown device type {} (want a, c or b)", path, Quote(r.type));
  }
  TRY(ReadField(j, "major", path, &r.major));
  TRY(ReadField(j, "minor", path, &r.minor));
  TRY(ReadField(j, "access", path, &r.access));
  if (r.access.find_first_not_of("rwm") != std::string::npos) {
    return Fail("{}.access: {} is not a combination of r, w and m", path, Quote(r.access));
  }
  return r;
}

// resources.devices is typed; the other controllers stay raw for the
// cgroup code.
Result<void> ParseResources(const json& j, const std::string& path, Linux* l) {
  TRY(ExpectObject(j, path));
  if (const json* rules = Member(j, "devices")) {
    std::string rules_path = FieldPath(path, "devices");
    TRY(ExpectArray(*rules, rules_path));
    for (size_t i = 0; i < rules->size(); ++i) {
      l->device_rules.push_back(TRY(ParseDeviceRule((*rules)[i], IndexPath(rules_path, i))));
    }
  }
  json other = json::object();
  for (const auto& [key, value] : j.items()) {
    if (key != "devices" && !value.is_null()) other[key] = value;
  }
  if (!other.empty()) l->resources_other = std::move(other);
  return {};
}

Result<std::vector<std::string>> ParseAbsolutePaths(const json& j, const std::string& path) {
  std::vector<std::string> out = TRY(ReadStrings(j, path));
  for (size_t i = 0; i < out.size(); ++i) TRY(CheckAbsolute(out[i], IndexPath(path, i)));
  return out;
}

Result<Personality> ParsePersonality(const json& j, const std::string& path) {
  TRY(ExpectObject(j, path));
  Personality p;
  TRY(ReadRequired(j, "domain", path, &p.domain));
  if (p.domain != "LINUX" && p.domain != "LINUX32") {
    return Fail("{}.domain: unknown domain {} (want LINUX or LINUX32)", path, Quote(p.domain));
  }
  TRY(ReadField(j, "flags", path, &p.flags));
  return p;
}

}  // namespace

Result<Linux> ParseLinux(const json& j, const std::string& path) {
  static const std::vector<std::string> kPropagations = {"",        "private",    "rprivate",
                                                         "slave",   "rslave",     "shared",
                                                         "rshared", "unbindable", "runbindable"};
  TRY(ExpectObject(j, path));
  Linux l;
  if (const json* ns = Member(j, "namespaces")) {
    l.namespaces = TRY(ParseNamespaces(*ns, FieldPath(path, "namespaces")));
  }
  l.uid_mappings = TRY(ParseIdMappings(j, "uidMappings", path));
  l.gid_mappings = TRY(ParseIdMappings(j, "gidMappings", path));
  if (const json* offsets = Member(j, "timeOffsets")) {
    l.time_offsets = TRY(ParseTimeOffsets(*offsets, FieldPath(path, "timeOffsets")));
  }
  if (const json* devices = Member(j, "devices")) {
    std::string devices_path = FieldPath(path, "devices");
    TRY(ExpectArray(*devices, devices_path));
    for (size_t i = 0; i < devices->size(); ++i) {
      l.devices.push_back(TRY(ParseDevice((*devices)[i], IndexPath(devices_path, i))));
    }
  }
  TRY(ReadField(j, "cgroupsPath", path, &l.cgroups_path));
  if (const json* resources = Member(j, "resources")) {
    TRY(ParseResources(*resources, FieldPath(path, "resources"), &l));
  }
  TRY(ReadField(j, "sysctl", path, &l.sysctl));
  TRY(ReadField(j, "rootfsPropagation", path, &l.rootfs_propagation));
  if (!IsKnown(kPropagations, l.rootfs_propagation)) {
    return Fail("{}.rootfsPropagation: unknown propagation {}", path, Quote(l.rootfs_propagation));
  }
  if (const json* masked = Member(j, "maskedPaths")) {
    l.masked_paths = TRY(ParseAbsolutePaths(*masked, FieldPath(path, "maskedPaths")));
  }
  if (const json* readonly = Member(j, "readonlyPaths")) {
    l.readonly_paths = TRY(ParseAbsolutePaths(*readonly, FieldPath(path, "readonlyPaths")));
  }
  TRY(ReadField(j, "mountLabel", path, &l.mount_label));
  if (const json* personality = Member(j, "personality")) {
    l.personality = TRY(ParsePersonality(*personality, FieldPath(path, "personality")));
  }
  if (const json* seccomp = Member(j, "seccomp")) {
    TRY(ExpectObject(*seccomp, FieldPath(path, "seccomp")));
    l.seccomp = *seccomp;
  }
  if (const json* rdt = Member(j, "intelRdt")) {
    TRY(ExpectObject(*rdt, FieldPath(path, "intelRdt")));
    l.intel_rdt = *rdt;
  }
  return l;
}

}  // namespace berth::spec
