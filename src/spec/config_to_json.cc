// Config -> config.json, with the spec's field names. Optional fields that
// are empty or absent are left out, so ParseConfig(ConfigToJson(c)) gives
// back c.
#include "spec/runtime_spec.h"

namespace berth::spec {
namespace {

using nlohmann::json;

// Sets obj[key] = value unless value is empty.
template <typename T>
void PutNonEmpty(json& obj, const char* key, const T& value) {
  if (!value.empty()) obj[key] = value;
}

template <typename T>
void PutOptional(json& obj, const char* key, const std::optional<T>& value) {
  if (value) obj[key] = *value;
}

json IdMappingsToJson(const std::vector<IdMapping>& mappings) {
  json out = json::array();
  for (const IdMapping& m : mappings) {
    out.push_back({{"containerID", m.container_id}, {"hostID", m.host_id}, {"size", m.size}});
  }
  return out;
}

json ProcessToJson(const Process& p) {
  json out = json::object();
  if (p.terminal) out["terminal"] = true;
  if (p.console_size) {
    out["consoleSize"] = {{"height", p.console_size->height}, {"width", p.console_size->width}};
  }
  json user = {{"uid", p.user.uid}, {"gid", p.user.gid}};
  PutOptional(user, "umask", p.user.umask);
  PutNonEmpty(user, "additionalGids", p.user.additional_gids);
  PutNonEmpty(user, "username", p.user.username);
  out["user"] = std::move(user);
  out["args"] = p.args;
  PutNonEmpty(out, "env", p.env);
  out["cwd"] = p.cwd;
  if (p.capabilities) {
    json caps = json::object();
    PutNonEmpty(caps, "bounding", p.capabilities->bounding);
    PutNonEmpty(caps, "effective", p.capabilities->effective);
    PutNonEmpty(caps, "inheritable", p.capabilities->inheritable);
    PutNonEmpty(caps, "permitted", p.capabilities->permitted);
    PutNonEmpty(caps, "ambient", p.capabilities->ambient);
    out["capabilities"] = std::move(caps);
  }
  if (!p.rlimits.empty()) {
    json rlimits = json::array();
    for (const Rlimit& r : p.rlimits) {
      rlimits.push_back({{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}});
    }
    out["rlimits"] = std::move(rlimits);
  }
  if (p.no_new_privileges) out["noNewPrivileges"] = true;
  PutNonEmpty(out, "apparmorProfile", p.apparmor_profile);
  PutNonEmpty(out, "selinuxLabel", p.selinux_label);
  PutOptional(out, "oomScoreAdj", p.oom_score_adj);
  if (p.scheduler) {
    const Scheduler& s = *p.scheduler;
    json sched = {{"policy", s.policy}};
    if (s.nice != 0) sched["nice"] = s.nice;
    if (s.priority != 0) sched["priority"] = s.priority;
    PutNonEmpty(sched, "flags", s.flags);
    if (s.runtime != 0) sched["runtime"] = s.runtime;
    if (s.deadline != 0) sched["deadline"] = s.deadline;
    if (s.period != 0) sched["period"] = s.period;
    out["scheduler"] = std::move(sched);
  }
  if (p.io_priority) {
    out["ioPriority"] = {{"class", p.io_priority->io_class}, {"priority", p.io_priority->priority}};
  }
  return out;
}

json MountToJson(const Mount& m) {
  json out = {{"destination", m.destination}};
  PutNonEmpty(out, "type", m.type);
  PutNonEmpty(out, "source", m.source);
  PutNonEmpty(out, "options", m.options);
  if (!m.uid_mappings.empty()) out["uidMappings"] = IdMappingsToJson(m.uid_mappings);
  if (!m.gid_mappings.empty()) out["gidMappings"] = IdMappingsToJson(m.gid_mappings);
  return out;
}

json HooksToJson(const Hooks& hooks) {
  json out = json::object();
  const std::pair<const char*, const std::vector<Hook>*> stages[] = {
      {"prestart", &hooks.prestart},
      {"createRuntime", &hooks.create_runtime},
      {"createContainer", &hooks.create_container},
      {"startContainer", &hooks.start_container},
      {"poststart", &hooks.poststart},
      {"poststop", &hooks.poststop},
  };
  for (const auto& [key, list] : stages) {
    if (list->empty()) continue;
    json stage = json::array();
    for (const Hook& h : *list) {
      json hook = {{"path", h.path}};
      PutNonEmpty(hook, "args", h.args);
      PutNonEmpty(hook, "env", h.env);
      PutOptional(hook, "timeout", h.timeout);
      stage.push_back(std::move(hook));
    }
    out[key] = std::move(stage);
  }
  return out;
}

json ResourcesToJson(const Linux& l) {
  json out = l.resources_other.is_object() ? l.resources_other : json::object();
  if (!l.device_rules.empty()) {
    json rules = json::array();
    for (const DeviceRule& r : l.device_rules) {
      json rule = {{"allow", r.allow}};
      PutNonEmpty(rule, "type", r.type);
      PutOptional(rule, "major", r.major);
      PutOptional(rule, "minor", r.minor);
      PutNonEmpty(rule, "access", r.access);
      rules.push_back(std::move(rule));
    }
    out["devices"] = std::move(rules);
  }
  return out;
}

json LinuxToJson(const Linux& l) {
  json out = json::object();
  if (!l.namespaces.empty()) {
    json namespaces = json::array();
    for (const Namespace& ns : l.namespaces) {
      json entry = {{"type", ns.type}};
      PutNonEmpty(entry, "path", ns.path);
      namespaces.push_back(std::move(entry));
    }
    out["namespaces"] = std::move(namespaces);
  }
  if (!l.uid_mappings.empty()) out["uidMappings"] = IdMappingsToJson(l.uid_mappings);
  if (!l.gid_mappings.empty()) out["gidMappings"] = IdMappingsToJson(l.gid_mappings);
  if (!l.time_offsets.empty()) {
    json offsets = json::object();
    for (const auto& [clock, off] : l.time_offsets) {
      offsets[clock] = {{"secs", off.secs}, {"nanosecs", off.nanosecs}};
    }
    out["timeOffsets"] = std::move(offsets);
  }
  if (!l.devices.empty()) {
    json devices = json::array();
    for (const Device& d : l.devices) {
      json dev = {{"type", d.type}, {"path", d.path}};
      if (d.type != "p" || d.major != 0 || d.minor != 0) {
        dev["major"] = d.major;
        dev["minor"] = d.minor;
      }
      PutOptional(dev, "fileMode", d.file_mode);
      PutOptional(dev, "uid", d.uid);
      PutOptional(dev, "gid", d.gid);
      devices.push_back(std::move(dev));
    }
    out["devices"] = std::move(devices);
  }
  PutNonEmpty(out, "cgroupsPath", l.cgroups_path);
  json resources = ResourcesToJson(l);
  if (!resources.empty()) out["resources"] = std::move(resources);
  PutNonEmpty(out, "sysctl", l.sysctl);
  PutNonEmpty(out, "rootfsPropagation", l.rootfs_propagation);
  PutNonEmpty(out, "maskedPaths", l.masked_paths);
  PutNonEmpty(out, "readonlyPaths", l.readonly_paths);
  PutNonEmpty(out, "mountLabel", l.mount_label);
  if (l.personality) {
    json personality = {{"domain", l.personality->domain}};
    PutNonEmpty(personality, "flags", l.personality->flags);
    out["personality"] = std::move(personality);
  }
  if (!l.seccomp.is_null()) out["seccomp"] = l.seccomp;
  if (!l.intel_rdt.is_null()) out["intelRdt"] = l.intel_rdt;
  return out;
}

}  // namespace

json ConfigToJson(const Config& c) {
  json out = json::object();
  out["ociVersion"] = c.oci_version;
  json root = {{"path", c.root.path}};
  if (c.root.readonly) root["readonly"] = true;
  out["root"] = std::move(root);
  if (c.process) out["process"] = ProcessToJson(*c.process);
  PutNonEmpty(out, "hostname", c.hostname);
  PutNonEmpty(out, "domainname", c.domainname);
  if (!c.mounts.empty()) {
    json mounts = json::array();
    for (const Mount& m : c.mounts) mounts.push_back(MountToJson(m));
    out["mounts"] = std::move(mounts);
  }
  json hooks = HooksToJson(c.hooks);
  if (!hooks.empty()) out["hooks"] = std::move(hooks);
  PutNonEmpty(out, "annotations", c.annotations);
  if (c.linux) out["linux"] = LinuxToJson(*c.linux);
  return out;
}

}  // namespace berth::spec
