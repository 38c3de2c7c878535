#include "cli/client/run_flags_security.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "base/fs.h"

namespace berth::cli {
namespace {

using nlohmann::json;

std::string NormalizeCap(std::string c) {
  std::string out;
  for (char ch : c)
    if (!std::isspace(static_cast<unsigned char>(ch)))
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (out == "ALL" || out.starts_with("CAP_")) return out;
  return "CAP_" + out;
}

bool ValidDeviceMode(const std::string& mode) {
  if (mode.empty()) return false;
  std::string seen;
  for (char c : mode) {
    if ((c != 'r' && c != 'w' && c != 'm') || seen.find(c) != std::string::npos) return false;
    seen += c;
  }
  return true;
}

// Lexical clean of a path, as Go's path.Clean.
std::string Clean(const std::string& p) { return CleanPath(p); }

// --security-opt, docker's CLI way: "seccomp=FILE" becomes the file's
// compacted JSON text; "systempaths=unconfined" becomes empty MaskedPaths
// and ReadonlyPaths; the rest goes as given for the daemon to judge.
Status AddSecurityOpts(const std::vector<std::string>& opts, json* host) {
  json out = json::array();
  for (const std::string& opt : opts) {
    size_t sep = opt.find('=');
    if (sep == std::string::npos && opt != "no-new-privileges") sep = opt.find(':');
    if (sep == std::string::npos && opt != "no-new-privileges")
      return Fail("invalid --security-opt: \"{}\"", opt);
    std::string key = sep == std::string::npos ? opt : opt.substr(0, sep);
    std::string value = sep == std::string::npos ? "" : opt.substr(sep + 1);
    if (key == "systempaths" && value == "unconfined") {
      (*host)["MaskedPaths"] = json::array();
      (*host)["ReadonlyPaths"] = json::array();
      continue;
    }
    if (key == "seccomp" && value != "unconfined") {
      auto text = ReadFile(value);
      if (!text) return Fail("opening seccomp profile ({}) failed: {}", value, text.error().What());
      json profile = json::parse(*text, nullptr, /*allow_exceptions=*/false);
      if (profile.is_discarded())
        return Fail("compacting json for seccomp profile ({}) failed: the file is not valid JSON",
                    value);
      out.push_back("seccomp=" + profile.dump());
      continue;
    }
    out.push_back(opt);
  }
  if (!out.empty()) (*host)["SecurityOpt"] = out;
  return Ok();
}

json ListOrNull(const std::vector<std::string>& v) { return v.empty() ? json(nullptr) : json(v); }

}  // namespace

void AddSecurityFlags(CLI::App* cmd, SecurityFlags* f) {
  cmd->add_flag("--privileged", f->privileged, "give extended privileges to this container");
  cmd->add_option("--cap-add", f->cap_add, "add Linux capabilities")->allow_extra_args(false);
  cmd->add_option("--cap-drop", f->cap_drop, "drop Linux capabilities")->allow_extra_args(false);
  cmd->add_option("--security-opt", f->security_opt, "security options")->allow_extra_args(false);
  cmd->add_flag("--read-only", f->read_only, "mount the container's root filesystem as read only");
  cmd->add_option("--device", f->devices, "add a host device to the container")
      ->allow_extra_args(false);
  cmd->add_option("--device-cgroup-rule", f->device_cgroup_rules,
                  "add a rule to the cgroup allowed devices list")
      ->allow_extra_args(false);
  cmd->add_option("--group-add", f->group_add, "add additional groups to join")
      ->allow_extra_args(false);
  cmd->add_option("--sysctl", f->sysctls, "sysctl options")->allow_extra_args(false);
  cmd->add_option("--userns", f->userns, "user namespace to use");
}

void EffectiveCapAddCapDrop(const std::vector<std::string>& add,
                            const std::vector<std::string>& drop, std::vector<std::string>* cap_add,
                            std::vector<std::string>* cap_drop) {
  std::set<std::string> a, d;
  for (const auto& c : add) a.insert(NormalizeCap(c));
  for (const auto& c : drop) d.insert(NormalizeCap(c));
  if (a.contains("ALL")) a = {"ALL"};
  if (d.contains("ALL")) d = {"ALL"};
  for (const auto& c : a) d.erase(c);
  cap_add->assign(a.begin(), a.end());
  cap_drop->assign(d.begin(), d.end());
}

Result<json> ParseDeviceFlag(const std::string& value) {
  // docker's validateLinuxPath and parseLinuxDevice.
  if (std::count(value.begin(), value.end(), ':') > 2 || value.empty() || value[0] == ':')
    return Fail("invalid argument \"{}\" for \"--device\" flag: bad format for path: {}", value,
                value);
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t i = value.find(':', start);
    parts.push_back(value.substr(start, i == std::string::npos ? i : i - start));
    if (i == std::string::npos) break;
    start = i + 1;
  }
  std::string src = parts[0], dst, perms = "rwm";
  if (parts.size() == 2) {
    if (ValidDeviceMode(parts[1]))
      perms = parts[1];
    else
      dst = parts[1];
  } else if (parts.size() == 3) {
    dst = parts[1];
    perms = parts[2];
    if (!ValidDeviceMode(perms))
      return Fail("invalid argument \"{}\" for \"--device\" flag: bad mode specified: {}", value,
                  perms);
  }
  if (dst.empty()) dst = src;
  if (dst[0] != '/')
    return Fail("invalid argument \"{}\" for \"--device\" flag: {} is not an absolute path", value,
                dst);
  return json{{"PathOnHost", src}, {"PathInContainer", Clean(dst)}, {"CgroupPermissions", perms}};
}

Status AddSecurityBody(const SecurityFlags& f, json*, json* host) {
  std::vector<std::string> cap_add, cap_drop;
  EffectiveCapAddCapDrop(f.cap_add, f.cap_drop, &cap_add, &cap_drop);
  (*host)["Privileged"] = f.privileged;
  (*host)["CapAdd"] = ListOrNull(cap_add);
  (*host)["CapDrop"] = ListOrNull(cap_drop);
  (*host)["ReadonlyRootfs"] = f.read_only;
  TRY(AddSecurityOpts(f.security_opt, host));

  json devices = json::array();
  for (const std::string& d : f.devices) devices.push_back(TRY(ParseDeviceFlag(d)));
  (*host)["Devices"] = devices;
  (*host)["DeviceCgroupRules"] = ListOrNull(f.device_cgroup_rules);
  (*host)["GroupAdd"] = ListOrNull(f.group_add);

  json sysctls = json::object();
  for (const std::string& kv : f.sysctls) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return Fail("invalid argument \"{}\" for \"--sysctl\" flag: sysctl '{}' is not allowed", kv,
                  kv);
    sysctls[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!sysctls.empty()) (*host)["Sysctls"] = sysctls;

  if (!f.userns.empty() && f.userns != "host") return Fail("--userns: invalid USER mode");
  (*host)["UsernsMode"] = f.userns;
  return Ok();
}

}  // namespace berth::cli
