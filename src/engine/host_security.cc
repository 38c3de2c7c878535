#include "engine/host_security.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <tuple>

#include "base/fs.h"
#include "engine/capabilities.h"
#include "engine/container_spec.h"
#include "engine/container_user.h"
#include "engine/seccomp_profile.h"
#include "runtime/seccomp.h"
#include "spec/json_reader.h"

namespace berth::engine {
namespace {

using nlohmann::json;
constexpr std::string_view kPath = "HostConfig";

// Go's strconv.ParseBool, which docker uses for "no-new-privileges:VALUE".
std::optional<bool> ParseGoBool(std::string_view v) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"})
    if (v == t) return true;
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"})
    if (v == f) return false;
  return std::nullopt;
}

// A docker-format seccomp profile sent inline ("seccomp=<json text>", as
// docker's CLI sends the file it read): parsed and translated once here so
// that a profile that cannot work is refused when the container is created.
Result<json> ParseSeccompProfile(std::string_view text) {
  json profile;
  try {
    profile = json::parse(text);
  } catch (const json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 1, ..." without
    // the library's tag.
    std::string what = e.what();
    if (what.starts_with("[json.exception.")) what.erase(0, what.find("] ") + 2);
    return FailAs(EINVAL, "invalid --security-opt seccomp: the profile is not valid JSON: {}",
                  what);
  }
  auto translated = TranslateSeccompProfile(profile, HostSeccompTarget(DefaultCapabilities()));
  if (!translated)
    return FailAs(EINVAL, "invalid --security-opt seccomp: {}", translated.error().What());
  return profile;
}

// One HostConfig.SecurityOpt entry, by docker's rules (its
// parseSecurityOpt): "KEY=VALUE" or the old "KEY:VALUE"; bare
// "no-new-privileges" and "disable".
Status ApplySecurityOpt(const std::string& opt, SecurityOptions* s) {
  auto invalid = [&](std::string_view why) {
    return FailAs(EINVAL, "invalid --security-opt: {}{}{}", spec::Quote(opt),
                  why.empty() ? "" : ": ", why);
  };
  if (opt == "no-new-privileges") {
    s->no_new_privileges = true;
    return Ok();
  }
  if (opt == "disable") return Ok();  // label=disable: there is no SELinux to disable
  size_t sep = opt.find('=');
  if (sep == std::string::npos) sep = opt.find(':');
  if (sep == std::string::npos) return invalid("");
  std::string key = opt.substr(0, sep), value = opt.substr(sep + 1);
  if (key == "no-new-privileges") {
    auto b = ParseGoBool(value);
    if (!b) return invalid("the value must be true or false");
    s->no_new_privileges = *b;
    return Ok();
  }
  if (key == "seccomp") {
    if (value == "unconfined") {
      s->seccomp = SeccompMode::kUnconfined;
      s->seccomp_profile = nullptr;
      return Ok();
    }
    s->seccomp = SeccompMode::kProfile;
    s->seccomp_profile = TRY(ParseSeccompProfile(value));
    return Ok();
  }
  // This host has no AppArmor: docker ignores the option there.
  if (key == "apparmor") return Ok();
  if (key == "label") {
    if (value == "disable") return Ok();
    return invalid("SELinux is not enabled on this host; only label=disable is accepted");
  }
  return invalid("");
}

Result<std::vector<DeviceMapping>> ReadDevices(const json& j) {
  std::vector<DeviceMapping> out;
  const json* devices = spec::Member(j, "Devices");
  if (devices == nullptr) return out;
  std::string path = spec::FieldPath(kPath, "Devices");
  TRY(spec::ExpectArray(*devices, path));
  for (size_t i = 0; i < devices->size(); ++i) {
    std::string p = spec::IndexPath(path, i);
    const json& d = (*devices)[i];
    TRY(spec::ExpectObject(d, p));
    DeviceMapping m;
    TRY(spec::ReadField(d, "PathOnHost", p, &m.path_on_host));
    TRY(spec::ReadField(d, "PathInContainer", p, &m.path_in_container));
    TRY(spec::ReadField(d, "CgroupPermissions", p, &m.cgroup_permissions));
    TRY(CheckDeviceMapping(m));
    out.push_back(std::move(m));
  }
  return out;
}

json StringsOrNull(const std::vector<std::string>& v) {
  return v.empty() ? json(nullptr) : json(v);
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The capability list the container gets: docker's defaults tweaked by
// CapAdd/CapDrop, or all the host can grant.
Result<std::vector<std::string>> ContainerCapabilities(const SecurityOptions& s) {
  std::vector<std::string> all;
  if (s.privileged || Contains(s.cap_add_names, "ALL")) all = TRY(HostBoundingCapabilities());
  return EffectiveCapabilities(DefaultCapabilities(), all, s.cap_add_names, s.cap_drop_names,
                               s.privileged);
}

void RemoveOption(spec::Mount* m, std::string_view opt) { std::erase(m->options, opt); }

// --group-add: names are looked up in the container's /etc/group, numbers
// need not be there (runc's GetAdditionalGroups).
Result<std::vector<uint32_t>> ResolveGroups(const std::vector<std::string>& groups,
                                            const std::string& rootfs) {
  std::string text = TRY(ReadFileInRoot(rootfs, "/etc/group"));
  std::vector<uint32_t> out;
  for (const std::string& g : groups) {
    std::optional<uint32_t> gid;
    size_t start = 0;
    while (start < text.size() && !gid) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string_view line(text.data() + start, end - start);
      start = end + 1;
      if (line.empty() || line[0] == '#') continue;
      size_t c1 = line.find(':');
      size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
      size_t c3 = c2 == std::string_view::npos ? c2 : line.find(':', c2 + 1);
      if (c3 == std::string_view::npos) continue;
      std::string_view name = line.substr(0, c1), id = line.substr(c2 + 1, c3 - c2 - 1);
      if (name != g && id != g) continue;
      uint32_t n = 0;
      auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
      if (ec == std::errc() && p == id.data() + id.size()) gid = n;
    }
    if (!gid) {
      uint32_t n = 0;
      auto [p, ec] = std::from_chars(g.data(), g.data() + g.size(), n);
      if (g.empty() || ec != std::errc() || p != g.data() + g.size())
        return FailAs(EINVAL, "Unable to find group {}: no matching entries in group file", g);
      gid = n;
    }
    out.push_back(*gid);
  }
  return out;
}

}  // namespace

Result<SecurityOptions> ParseSecurity(const json& j, SysctlNamespaces ns) {
  SecurityOptions s;
  TRY(spec::ReadField(j, "Privileged", kPath, &s.privileged));

  // Capabilities: names checked now (docker's "invalid CapAdd: unknown
  // capability"), applied at start.
  TRY(spec::ReadField(j, "CapAdd", kPath, &s.cap_add));
  TRY(spec::ReadField(j, "CapDrop", kPath, &s.cap_drop));
  for (const auto& [given, names, what] : {std::tuple{&s.cap_add, &s.cap_add_names, "CapAdd"},
                                           std::tuple{&s.cap_drop, &s.cap_drop_names, "CapDrop"}}) {
    for (const std::string& c : *given) {
      auto n = NormalizeCapability(c);
      if (!n) return FailAs(EINVAL, "invalid {}: {}", what, n.error().message());
      if (!Contains(*names, *n)) names->push_back(*n);
    }
  }

  TRY(spec::ReadField(j, "SecurityOpt", kPath, &s.security_opt));
  for (const std::string& opt : s.security_opt) TRY(ApplySecurityOpt(opt, &s));

  TRY(spec::ReadField(j, "ReadonlyRootfs", kPath, &s.readonly_rootfs));
  s.devices = TRY(ReadDevices(j));
  TRY(spec::ReadField(j, "DeviceCgroupRules", kPath, &s.device_cgroup_rules));
  for (const std::string& r : s.device_cgroup_rules)
    s.cgroup_rules.push_back(TRY(ParseDeviceCgroupRule(r)));
  TRY(spec::ReadField(j, "GroupAdd", kPath, &s.group_add));
  for (const std::string& g : s.group_add)
    if (g.empty()) return FailAs(EINVAL, "HostConfig.GroupAdd: a group is empty");
  TRY(spec::ReadField(j, "Sysctls", kPath, &s.sysctls));
  for (const auto& [k, v] : s.sysctls) TRY(CheckSysctl(k, v, ns));
  TRY(spec::ReadField(j, "MaskedPaths", kPath, &s.masked_paths));
  TRY(spec::ReadField(j, "ReadonlyPaths", kPath, &s.readonly_paths));
  for (const auto* paths : {&s.masked_paths, &s.readonly_paths})
    for (const std::string& p : paths->value_or(std::vector<std::string>{}))
      if (p.empty() || p[0] != '/')
        return FailAs(EINVAL, "HostConfig: masked or read-only path {} is not absolute",
                      spec::Quote(p));
  return s;
}

void SecurityToJson(const SecurityOptions& s, json* j) {
  (*j)["Privileged"] = s.privileged;
  (*j)["CapAdd"] = StringsOrNull(s.cap_add);
  (*j)["CapDrop"] = StringsOrNull(s.cap_drop);
  (*j)["SecurityOpt"] = StringsOrNull(s.security_opt);
  (*j)["ReadonlyRootfs"] = s.readonly_rootfs;
  json devices = json::array();
  for (const DeviceMapping& d : s.devices)
    devices.push_back({{"PathOnHost", d.path_on_host},
                       {"PathInContainer", d.path_in_container},
                       {"CgroupPermissions", d.cgroup_permissions}});
  (*j)["Devices"] = devices;
  (*j)["DeviceCgroupRules"] = StringsOrNull(s.device_cgroup_rules);
  (*j)["GroupAdd"] = StringsOrNull(s.group_add);
  if (!s.sysctls.empty()) (*j)["Sysctls"] = s.sysctls;
  if (s.masked_paths) (*j)["MaskedPaths"] = *s.masked_paths;
  if (s.readonly_paths) (*j)["ReadonlyPaths"] = *s.readonly_paths;
}

Status CheckSecurityOnHost(const SecurityOptions& s) {
  // A capability outside berthd's bounding set can be granted to no
  // container (docker fails at start with "unable to apply caps").
  std::vector<std::string> caps = TRY(ContainerCapabilities(s));
  std::vector<std::string> host = TRY(HostBoundingCapabilities());
  for (const std::string& c : caps)
    if (!Contains(host, c))
      return FailAs(EINVAL,
                    "capability {} cannot be granted: it is not in this host's bounding set", c);
  if (!s.privileged)
    for (const DeviceMapping& d : s.devices) TRY(DevicesForMapping(d));
  if (s.seccomp == SeccompMode::kProfile && !s.privileged) {
    auto translated = TranslateSeccompProfile(s.seccomp_profile, HostSeccompTarget(caps));
    if (!translated)
      return FailAs(EINVAL, "invalid --security-opt seccomp: {}", translated.error().What());
    auto compiled = runtime::CompileSeccomp(*translated);
    if (!compiled)
      return FailAs(EINVAL, "invalid --security-opt seccomp: {}", compiled.error().What());
  }
  return Ok();
}

Status ApplySecurity(const SecurityOptions& s, const ContainerSpecInput& in, spec::Config* cfg) {
  spec::Process& proc = *cfg->process;
  spec::Linux& linux = *cfg->linux;

  // 1. Capabilities, the same list in every set the kernel checks;
  // nothing inheritable or ambient.
  std::vector<std::string> caps = TRY(ContainerCapabilities(s));
  proc.capabilities->bounding = proc.capabilities->effective = proc.capabilities->permitted = caps;

  // 2. no-new-privileges: setuid binaries and file capabilities grant
  // nothing to the container's processes.
  proc.no_new_privileges = s.no_new_privileges;

  // 3. Seccomp: none for a privileged container or "unconfined"; else the
  // profile (the user's or the default) for the capabilities it now has,
  // since a profile's rules may depend on them (CAP_SYS_ADMIN admits mount).
  if (s.privileged || s.seccomp == SeccompMode::kUnconfined)
    linux.seccomp = nullptr;
  else if (s.seccomp == SeccompMode::kProfile)
    linux.seccomp = TRY(TranslateSeccompProfile(s.seccomp_profile, HostSeccompTarget(caps)));
  else if (caps != DefaultCapabilities())  // else the baseline's is the same
    linux.seccomp = TRY(DefaultSeccomp(HostSeccompTarget(caps)));

  // 4. A read-only root: the root and every mount berth added, except the
  // ones a process needs to write (/proc, /dev and its shm, mqueue and
  // pts); the user's own volumes and binds keep their mode (docker's).
  if (s.readonly_rootfs) {
    cfg->root.readonly = true;
    for (spec::Mount& m : cfg->mounts) {
      std::string dest = CleanPath(m.destination);
      if (dest == "/proc" || dest == "/dev" || dest == "/dev/pts" || dest == "/dev/shm" ||
          dest == "/dev/mqueue")
        continue;
      bool user =
          std::any_of(in.extra_mounts.begin(), in.extra_mounts.end(),
                      [&](const spec::Mount& u) { return CleanPath(u.destination) == dest; });
      if (!user && !Contains(m.options, "ro")) {
        RemoveOption(&m, "rw");
        m.options.push_back("ro");
      }
    }
  }

  // 5. Devices: the user's mappings, each a node and an allow rule; for a
  // privileged container every device of the host and "a *:* rwm".
  auto add_node = [&](spec::Device d) {
    for (const spec::Device& have : linux.devices)
      if (CleanPath(have.path) == CleanPath(d.path)) return;
    linux.devices.push_back(std::move(d));
  };
  for (const DeviceMapping& m : s.devices) {
    ContainerDevices devs = TRY(DevicesForMapping(m));
    for (spec::Device& d : devs.nodes) add_node(std::move(d));
    for (spec::DeviceRule& r : devs.rules) linux.device_rules.push_back(std::move(r));
  }
  for (const spec::DeviceRule& r : s.cgroup_rules) linux.device_rules.push_back(r);
  if (s.privileged) {
    for (spec::Device& d : HostDevices()) add_node(std::move(d));
    spec::DeviceRule all;
    all.allow = true;
    all.type = "a";
    all.access = "rwm";
    linux.device_rules = {all};
  }

  // 6. The masked and read-only paths the user chose instead of docker's.
  if (s.masked_paths) linux.masked_paths = *s.masked_paths;
  if (s.readonly_paths) linux.readonly_paths = *s.readonly_paths;

  // 7. Privileged: nothing masked or read-only in /proc and /sys, and
  // /sys and the cgroup tree writable, as docker gives it.
  if (s.privileged) {
    linux.masked_paths.clear();
    linux.readonly_paths.clear();
    for (spec::Mount& m : cfg->mounts) {
      std::string dest = CleanPath(m.destination);
      if (dest == "/sys" || dest == "/sys/fs/cgroup" || m.type == "cgroup" || m.type == "cgroup2")
        RemoveOption(&m, "ro");
    }
  }

  // 8. Additional groups, after the user's own.
  if (!s.group_add.empty()) {
    for (uint32_t gid : TRY(ResolveGroups(s.group_add, in.rootfs)))
      if (std::find(proc.user.additional_gids.begin(), proc.user.additional_gids.end(), gid) ==
          proc.user.additional_gids.end())
        proc.user.additional_gids.push_back(gid);
  }

  // 9. Sysctls, over the defaults (checked namespaced when created).
  for (const auto& [k, v] : s.sysctls) linux.sysctl[k] = v;
  return Ok();
}

}  // namespace berth::engine
