#include "engine/seccomp_profile.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "engine/container_spec.h"
#include "runtime/seccomp.h"

namespace berth::engine {
namespace {

using nlohmann::json;

// Every name a rule of `s` gives `action` (rules with args included).
std::vector<std::string> Names(const json& s, const std::string& action) {
  std::vector<std::string> out;
  for (const auto& r : s["syscalls"])
    if (r["action"] == action)
      for (const auto& n : r["names"]) out.push_back(n);
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

SeccompTarget X86(std::vector<std::string> caps) {
  return {std::move(caps), "SCMP_ARCH_X86_64", 6, 1};
}

TEST(SeccompProfile, BuiltInProfileParses) {
  json p = json::parse(DefaultSeccompProfileText(), nullptr, false);
  ASSERT_FALSE(p.is_discarded());
  EXPECT_EQ(p["defaultAction"], "SCMP_ACT_ERRNO");
}

TEST(SeccompProfile, DefaultCapsGetNoAdminSyscalls) {
  auto s = DefaultSeccomp(X86(DefaultCapabilities()));
  ASSERT_TRUE(s) << s.error().What();
  EXPECT_EQ((*s)["defaultErrnoRet"], 1);
  EXPECT_EQ((*s)["architectures"], json({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  auto allow = Names(*s, "SCMP_ACT_ALLOW");
  for (const char* n : {"mount", "unshare", "setns", "keyctl", "add_key", "request_key", "bpf",
                        "init_module", "kexec_load", "open_by_handle_at", "reboot", "iopl"})
    EXPECT_FALSE(Has(allow, n)) << n;
  EXPECT_TRUE(Has(allow, "chroot"));      // CAP_SYS_CHROOT is a default
  EXPECT_TRUE(Has(allow, "arch_prctl"));  // x86
  EXPECT_FALSE(Has(allow, "set_tls"));    // ARM only
  EXPECT_TRUE(Has(allow, "ptrace"));      // kernel >= 4.8
  EXPECT_TRUE(Has(allow, "clone"));       // but only with the flags check:
  for (const auto& r : (*s)["syscalls"])
    if (Has(r["names"].get<std::vector<std::string>>(), "clone")) {
      ASSERT_TRUE(r.contains("args"));
      EXPECT_EQ(r["args"][0]["op"], "SCMP_CMP_MASKED_EQ");
    }
  // clone3 answers ENOSYS so that the C library falls back to clone.
  EXPECT_TRUE(Has(Names(*s, "SCMP_ACT_ERRNO"), "clone3"));
  for (const auto& r : (*s)["syscalls"]) {
    EXPECT_FALSE(r.contains("includes"));
    EXPECT_FALSE(r.contains("excludes"));
    EXPECT_FALSE(r.contains("comment"));
  }
  auto prog = runtime::CompileSeccomp(*s);
  ASSERT_TRUE(prog) << prog.error().What();
}

TEST(SeccompProfile, CapabilitiesUnlockTheirGroups) {
  auto caps = DefaultCapabilities();
  caps.push_back("CAP_SYS_ADMIN");
  auto s = DefaultSeccomp(X86(caps));
  ASSERT_TRUE(s);
  auto allow = Names(*s, "SCMP_ACT_ALLOW");
  EXPECT_TRUE(Has(allow, "mount"));
  EXPECT_TRUE(Has(allow, "unshare"));
  EXPECT_TRUE(Has(allow, "clone3"));
  EXPECT_FALSE(Has(Names(*s, "SCMP_ACT_ERRNO"), "clone3"));
  EXPECT_FALSE(Has(allow, "init_module"));
}

TEST(SeccompProfile, OldKernelsGetNoPtrace) {
  auto s = DefaultSeccomp({DefaultCapabilities(), "SCMP_ARCH_X86_64", 4, 4});
  ASSERT_TRUE(s);
  EXPECT_FALSE(Has(Names(*s, "SCMP_ACT_ALLOW"), "ptrace"));
}

TEST(SeccompProfile, Aarch64) {
  auto s = DefaultSeccomp({DefaultCapabilities(), "SCMP_ARCH_AARCH64", 6, 1});
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)["architectures"], json({"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}));
  auto allow = Names(*s, "SCMP_ACT_ALLOW");
  EXPECT_TRUE(Has(allow, "set_tls"));
  EXPECT_FALSE(Has(allow, "arch_prctl"));
}

TEST(SeccompProfile, BadProfilesAreNamed) {
  auto s = TranslateSeccompProfile(
      json{{"defaultAction", "SCMP_ACT_ERRNO"},
           {"syscalls", {{{"names", {"x"}}, {"action", "SCMP_ACT_ALLOW"}, {"includes", 3}}}}},
      X86({}));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().What().find("profile.syscalls[0].includes"), std::string::npos);
  EXPECT_FALSE(TranslateSeccompProfile(json::object(), X86({})));
}

TEST(SeccompProfile, ArchNames) {
  EXPECT_EQ(ScmpArchOf("x86_64"), "SCMP_ARCH_X86_64");
  EXPECT_EQ(ScmpArchOf("aarch64"), "SCMP_ARCH_AARCH64");
  EXPECT_EQ(ScmpArchOf("s390x"), "");
}

}  // namespace
}  // namespace berth::engine
