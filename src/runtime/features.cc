// `features`: what this runtime implements, in the runtime-spec's
// features.md shape. Only what works is claimed.
#include <seccomp.h>

#include "runtime/runtime.h"
#include "spec/runtime_spec.h"

namespace berth::runtime {

nlohmann::json Features() {
  using nlohmann::json;
  json hooks = json::array(
      {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"});
  std::vector<std::string> mount_options;
  for (const auto& o : spec::KnownMountOptions())
    if (o != "tmpcopyup") mount_options.push_back(o);
  const scmp_version* v = seccomp_version();
  return json{
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", kRuntimeSpecVersion},
      {"hooks", hooks},
      {"mountOptions", mount_options},
      {"linux",
       {{"namespaces", spec::KnownNamespaceTypes()},
        {"capabilities", spec::KnownCapabilities()},
        {"cgroup",
         {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", true}}},
        {"seccomp",
         {{"enabled", true},
          {"actions",
           {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
            "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
            "SCMP_ACT_TRAP"}},
          {"operators",
           {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
            "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"}},
          {"archs", {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32"}},
          {"knownFlags",
           {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
            "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}},
          {"supportedFlags",
           {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
            "SECCOMP_FILTER_FLAG_LOG"}}}},
        {"apparmor", {{"enabled", false}}},
        {"selinux", {{"enabled", false}}},
        {"intelRdt", {{"enabled", false}}},
        {"mountExtensions", {{"idmap", {{"enabled", true}}}}}}},
      {"annotations",
       {{"io.github.berth.runtime.version", "0.1.0"},
        {"io.github.seccomp.libseccomp.version",
         fmt::format("{}.{}.{}", v->major, v->minor, v->micro)}}}};
}

}  // namespace berth::runtime
