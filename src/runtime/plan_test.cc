#include "runtime/plan.h"

#include <sched.h>

#include <gtest/gtest.h>

namespace berth::runtime {
namespace {

TEST(Sysctl, OnlyNamespacedKeysInOwnNamespaces) {
  auto ok = SysctlPath("net.ipv4.ip_forward", CLONE_NEWNET);
  ASSERT_TRUE(ok) << ok.error().What();
  EXPECT_EQ(*ok, "sys/net/ipv4/ip_forward");
  EXPECT_TRUE(SysctlPath("kernel.shmmax", CLONE_NEWIPC));
  EXPECT_TRUE(SysctlPath("fs.mqueue.msg_max", CLONE_NEWIPC));
  auto host = SysctlPath("net.ipv4.ip_forward", 0);
  ASSERT_FALSE(host);
  EXPECT_NE(host.error().What().find("net.ipv4.ip_forward"), std::string::npos);
  auto global = SysctlPath("vm.swappiness", CLONE_NEWNET | CLONE_NEWIPC);
  ASSERT_FALSE(global);
  EXPECT_NE(global.error().What().find("not namespaced"), std::string::npos);
  EXPECT_FALSE(SysctlPath("net.x/../../y", CLONE_NEWNET));
}

TEST(Namespaces, Flags) {
  EXPECT_EQ(*NamespaceFlag("pid"), CLONE_NEWPID);
  EXPECT_EQ(*NamespaceFlag("user"), CLONE_NEWUSER);
  EXPECT_EQ(*NamespaceFlag("time"), 0x80);
  auto bad = NamespaceFlag("foo");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().What().find("\"foo\""), std::string::npos);
}

TEST(CheckSupported, ValidatesResourcesAndDeviceRules) {
  spec::Config c;
  c.linux.emplace();
  EXPECT_TRUE(CheckSupported(c));
  c.linux->resources_other = {{"memory", {{"limit", 1000000}}}};
  EXPECT_TRUE(CheckSupported(c));
  c.linux->resources_other = {{"memory", {{"limit", -7}}}};
  auto r = CheckSupported(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().What().find("linux.resources.memory.limit"), std::string::npos);
  c.linux->resources_other = nullptr;
  c.linux->device_rules.push_back({});
  EXPECT_TRUE(CheckSupported(c));
  c.linux->device_rules.back().access = "rwx";
  auto bad = CheckSupported(c);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().What().find("\"rwx\""), std::string::npos);
}

}  // namespace
}  // namespace berth::runtime
