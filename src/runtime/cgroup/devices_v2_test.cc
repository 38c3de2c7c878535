#include "runtime/cgroup/devices_v2.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/unique_fd.h"
#include "runtime/cgroup/devices_v1.h"

namespace berth::runtime::cgroup {
namespace {

spec::DeviceRule Rule(bool allow, std::string type, std::optional<int64_t> major,
                      std::optional<int64_t> minor, std::string access) {
  spec::DeviceRule r;
  r.allow = allow;
  r.type = std::move(type);
  r.major = major;
  r.minor = minor;
  r.access = std::move(access);
  return r;
}

// The kernel's verifier is the judge of a BPF program: loading it proves it
// is well formed, terminates and reads only the context it may.
int LoadIntoKernel(const std::vector<bpf_insn>& prog) {
  bpf_attr a{};
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = reinterpret_cast<uintptr_t>(prog.data());
  a.insn_cnt = static_cast<uint32_t>(prog.size());
  a.license = reinterpret_cast<uintptr_t>("Apache-2.0");
  static char log[65536];
  a.log_buf = reinterpret_cast<uintptr_t>(log);
  a.log_size = sizeof log;
  a.log_level = 1;
  UniqueFd fd(static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a)));
  int e = fd ? 0 : errno;
  if (e) fprintf(stderr, "verifier: %s\n", log);
  return e;
}

TEST(DevicesV2, DefaultRulesCompileAndTheVerifierAcceptsThem) {
  auto rules = std::vector{Rule(false, "a", std::nullopt, std::nullopt, "rwm")};
  for (auto& r : DefaultDeviceRules()) rules.push_back(r);
  rules.push_back(Rule(false, "c", 1, 3, "w"));
  auto prog = CompileDeviceProgram(rules);
  ASSERT_TRUE(prog) << prog.error().What();
  // Every rule is tried once per access bit it names, and ends in an exit.
  EXPECT_GT(prog->size(), rules.size() * 2);
  EXPECT_EQ(prog->back().code, BPF_JMP | BPF_EXIT);
  if (::geteuid() != 0) GTEST_SKIP() << "loading BPF programs needs root";
  EXPECT_EQ(LoadIntoKernel(*prog), 0) << strerror(LoadIntoKernel(*prog));
}

TEST(DevicesV2, RefusesBadTypesAndAccess) {
  auto bad_type = CompileDeviceProgram({Rule(true, "x", 1, 3, "r")});
  ASSERT_FALSE(bad_type);
  EXPECT_NE(bad_type.error().What().find("\"x\""), std::string::npos);
  auto bad_access = CompileDeviceProgram({Rule(true, "c", 1, 3, "rq")});
  ASSERT_FALSE(bad_access);
  EXPECT_NE(bad_access.error().What().find("\"rq\""), std::string::npos);
}

TEST(DevicesV2, TooManyRulesForJumpOffsetsIsAnError) {
  std::vector<spec::DeviceRule> rules(12000, Rule(true, "c", 1, 3, "rwm"));
  auto prog = CompileDeviceProgram(rules);
  ASSERT_FALSE(prog);
  EXPECT_NE(prog.error().What().find("too many device rules"), std::string::npos);
}

}  // namespace
}  // namespace berth::runtime::cgroup
