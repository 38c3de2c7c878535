#include "engine/seccomp_profile.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>

#include "spec/json_reader.h"

namespace berth::engine {
namespace {

using nlohmann::json;

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// "4.8" -> {4, 8}.
Result<std::pair<int, int>> ParseKernel(const std::string& s, const std::string& path) {
  int major = 0, minor = 0;
  if (std::sscanf(s.c_str(), "%d.%d", &major, &minor) != 2)
    return Fail("{}: must be MAJOR.MINOR, not {}", path, spec::Quote(s));
  return std::pair{major, minor};
}

// Whether a rule's "includes" (all must hold) and "excludes" (none may)
// admit it for `target`, whose architectures are `arches`.
Result<bool> Applies(const json& rule, const std::string& path, const SeccompTarget& target,
                     const std::vector<std::string>& arches) {
  if (const json* inc = spec::Member(rule, "includes")) {
    std::string p = path + ".includes";
    TRY(spec::ExpectObject(*inc, p));
    std::vector<std::string> caps, arch_list;
    std::string min_kernel;
    TRY(spec::ReadField(*inc, "caps", p, &caps));
    TRY(spec::ReadField(*inc, "arches", p, &arch_list));
    TRY(spec::ReadField(*inc, "minKernel", p, &min_kernel));
    for (const auto& c : caps)
      if (!Contains(target.capabilities, c)) return false;
    if (!arch_list.empty() &&
        std::none_of(arch_list.begin(), arch_list.end(),
                     [&](const std::string& a) { return Contains(arches, a); }))
      return false;
    if (!min_kernel.empty()) {
      auto [major, minor] = TRY(ParseKernel(min_kernel, p + ".minKernel"));
      if (std::pair{target.kernel_major, target.kernel_minor} < std::pair{major, minor})
        return false;
    }
  }
  if (const json* exc = spec::Member(rule, "excludes")) {
    std::string p = path + ".excludes";
    TRY(spec::ExpectObject(*exc, p));
    std::vector<std::string> caps, arch_list;
    TRY(spec::ReadField(*exc, "caps", p, &caps));
    TRY(spec::ReadField(*exc, "arches", p, &arch_list));
    for (const auto& c : caps)
      if (Contains(target.capabilities, c)) return false;
    for (const auto& a : arch_list)
      if (Contains(arches, a)) return false;
  }
  return true;
}

Result<json> Translate(const json& profile, const SeccompTarget& target) {
  TRY(spec::ExpectObject(profile, "profile"));
  json out = json::object();
  for (const char* key : {"defaultAction", "defaultErrnoRet", "flags"})
    if (const json* v = spec::Member(profile, key)) out[key] = *v;
  if (!out.contains("defaultAction")) return Fail("profile.defaultAction: is required");

  // The architectures: the host's own and the ones it can also run
  // (x86_64 runs i386 and x32 binaries), from archMap.
  std::vector<std::string> arches;
  if (const json* map = spec::Member(profile, "archMap")) {
    TRY(spec::ExpectArray(*map, "profile.archMap"));
    for (size_t i = 0; i < map->size(); ++i) {
      std::string p = spec::IndexPath("profile.archMap", i);
      std::string arch;
      std::vector<std::string> subs;
      TRY(spec::ReadRequired((*map)[i], "architecture", p, &arch));
      TRY(spec::ReadField((*map)[i], "subArchitectures", p, &subs));
      if (arch != target.arch) continue;
      arches.push_back(arch);
      arches.insert(arches.end(), subs.begin(), subs.end());
    }
  }
  if (arches.empty() && !target.arch.empty()) arches.push_back(target.arch);
  out["architectures"] = arches;

  json syscalls = json::array();
  if (const json* rules = spec::Member(profile, "syscalls")) {
    TRY(spec::ExpectArray(*rules, "profile.syscalls"));
    for (size_t i = 0; i < rules->size(); ++i) {
      const json& r = (*rules)[i];
      std::string p = spec::IndexPath("profile.syscalls", i);
      TRY(spec::ExpectObject(r, p));
      if (!TRY(Applies(r, p, target, arches))) continue;
      json kept = json::object();
      for (const char* key : {"names", "action", "errnoRet", "args"})
        if (const json* v = spec::Member(r, key)) kept[key] = *v;
      syscalls.push_back(std::move(kept));
    }
  }
  out["syscalls"] = std::move(syscalls);
  return out;
}

}  // namespace

std::string ScmpArchOf(std::string_view machine) {
  if (machine == "x86_64") return "SCMP_ARCH_X86_64";
  if (machine == "aarch64" || machine == "arm64") return "SCMP_ARCH_AARCH64";
  if (machine == "i386" || machine == "i686") return "SCMP_ARCH_X86";
  if (machine.starts_with("armv")) return "SCMP_ARCH_ARM";
  return "";
}

SeccompTarget HostSeccompTarget(std::vector<std::string> caps) {
  SeccompTarget t;
  t.capabilities = std::move(caps);
  struct utsname u {};
  if (::uname(&u) == 0) {
    t.arch = ScmpArchOf(u.machine);
    std::sscanf(u.release, "%d.%d", &t.kernel_major, &t.kernel_minor);
  }
  return t;
}

Result<json> TranslateSeccompProfile(const json& profile, const SeccompTarget& target) {
  try {
    return Translate(profile, target);
  } catch (const json::exception& e) {
    // Not expected (types are checked first); nlohmann must not unwind
    // through berth.
    return Fail("seccomp profile: {}", e.what());
  }
}

Result<json> DefaultSeccomp(const SeccompTarget& target) {
  // Parsed once: the text is built in and never changes.
  static const json profile =
      json::parse(DefaultSeccompProfileText(), nullptr, /*allow_exceptions=*/false);
  if (profile.is_discarded()) return Fail("the built-in seccomp profile is not valid JSON");
  return TranslateSeccompProfile(profile, target);
}

}  // namespace berth::engine
