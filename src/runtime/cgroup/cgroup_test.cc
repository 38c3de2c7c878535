#include "runtime/cgroup/cgroup.h"

#include <gtest/gtest.h>

#include "runtime/cgroup/devices_v1.h"

namespace berth::runtime::cgroup {
namespace {

// This machine's layout: v1 controllers plus a v2 tree holding hugetlb.
const char* kHybrid =
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime shared:9 - cgroup cgroup rw,pids\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

const char* kSelf =
    "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n3:cpuset:/\n1:cpu:/\n0::/\n";

TEST(CgroupLayout, DetectsHybrid) {
  auto l = ParseLayout(kHybrid);
  ASSERT_TRUE(l) << l.error().What();
  EXPECT_EQ(l->mode, Mode::kHybrid);
  ASSERT_EQ(l->hierarchies.size(), 8u);
  EXPECT_EQ(l->hierarchies[6].controllers, std::vector<std::string>{"name=systemd"});
  EXPECT_TRUE(l->hierarchies[7].v2);
}

TEST(CgroupLayout, DetectsPureV2AndV1) {
  auto v2 = ParseLayout("40 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->mode, Mode::kV2);
  auto v1 = ParseLayout("31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu,cpuacct\n");
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->mode, Mode::kV1);
  EXPECT_EQ(v1->hierarchies[0].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_FALSE(ParseLayout("1 0 0:1 / / rw - ext4 /dev/vda rw\n"));
}

TEST(CgroupPlacement, RelativePathsFollowOwnCgroup) {
  auto l = *ParseLayout(kHybrid);
  auto p = PlanPlacement(l, "c1", kSelf);
  ASSERT_TRUE(p) << p.error().What();
  EXPECT_EQ(p->dirs[0], "/sys/fs/cgroup/cpu/c1");
  EXPECT_EQ(p->dirs[2], "/sys/fs/cgroup/memory/process_api/abc/c1");
  EXPECT_EQ(p->devices_dir, "/sys/fs/cgroup/devices/c1");
  EXPECT_EQ(p->freezer_dir, "/sys/fs/cgroup/freezer/c1");
  EXPECT_EQ(p->procs_dir, "/sys/fs/cgroup/pids/c1");
  EXPECT_EQ(p->dirs.back(), "/sys/fs/cgroup/unified/c1");
}

TEST(CgroupPlacement, AbsolutePathsFromRootAndNoEscape) {
  auto l = *ParseLayout(kHybrid);
  auto p = PlanPlacement(l, "/a/../b", kSelf);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->dirs[2], "/sys/fs/cgroup/memory/b");
  auto root = PlanPlacement(l, "/../..", kSelf);
  ASSERT_FALSE(root);
  EXPECT_NE(root.error().What().find("root cgroup"), std::string::npos);
}

// Found by fuzz/mountinfo.cc: odd input must never place a cgroup outside
// the hierarchy's mount point.
TEST(CgroupLayout, EscapedAndOddMountPoints) {
  auto l = ParseLayout(
      "1 0 0:1 / /sys/fs/cgroup/my\\040cg rw - cgroup2 cgroup2 rw\n"
      "2 0 0:2 / / rw - cgroup cgroup rw,pids\n"
      "3 0 0:3 / relative rw - cgroup cgroup rw,cpu\n");
  ASSERT_TRUE(l) << l.error().What();
  ASSERT_EQ(l->hierarchies.size(), 1u);
  EXPECT_EQ(l->hierarchies[0].mount_point, "/sys/fs/cgroup/my cg");
  // A /proc/self/cgroup path that is not absolute still lands below.
  auto p = PlanPlacement(*l, "c1", "0::odd/path\n");
  ASSERT_TRUE(p) << p.error().What();
  EXPECT_EQ(p->dirs[0], "/sys/fs/cgroup/my cg/odd/path/c1");
}

TEST(DevicesV1, RuleLines) {
  spec::DeviceRule deny_all;
  deny_all.access = "rwm";
  EXPECT_EQ(DeviceRuleLine(deny_all), "a *:* rwm");
  spec::DeviceRule r;
  r.type = "c";
  r.major = 1;
  r.access = "rw";
  EXPECT_EQ(DeviceRuleLine(r), "c 1:* rw");
  auto d = DefaultDeviceRules();
  EXPECT_EQ(DeviceRuleLine(d.front()), "c *:* m");
  EXPECT_EQ(DeviceRuleLine(d.back()), "c 136:* rwm");
}

}  // namespace
}  // namespace berth::runtime::cgroup
