#include "runtime/cgroup/resources.h"

#include <gtest/gtest.h>

namespace berth::runtime::cgroup {
namespace {

TEST(Resources, CpuSharesToWeightAsRunc) {
  EXPECT_EQ(CpuSharesToWeight(0), 0u);  // unset stays unset
  EXPECT_EQ(CpuSharesToWeight(2), 1u);
  EXPECT_EQ(CpuSharesToWeight(1024), 39u);
  EXPECT_EQ(CpuSharesToWeight(262144), 10000u);
  EXPECT_EQ(CpuSharesToWeight(1), 1u);  // clamped into the v1 range
}

TEST(Resources, BlkioWeightToIoWeight) {
  EXPECT_EQ(BlkioWeightToIoWeight(0), 0u);
  EXPECT_EQ(BlkioWeightToIoWeight(10), 1u);
  EXPECT_EQ(BlkioWeightToIoWeight(500), 4950u);
  EXPECT_EQ(BlkioWeightToIoWeight(1000), 10000u);
}

TEST(Resources, SwapMaxV2IsSwapAlone) {
  EXPECT_EQ(*SwapMaxV2(100, 300), "200");
  EXPECT_EQ(*SwapMaxV2(100, 100), "0");
  EXPECT_EQ(*SwapMaxV2(100, -1), "max");
  EXPECT_FALSE(SwapMaxV2(300, 100));
  EXPECT_FALSE(SwapMaxV2(0, 100));
}

TEST(Resources, ValidationNamesTheField) {
  auto check = [](const char* json) {
    auto st = ValidateResources(nlohmann::json::parse(json));
    return st ? std::string() : st.error().What();
  };
  EXPECT_EQ(check(R"({"memory": {"limit": -1}, "cpu": {"shares": 0}})"), "");
  EXPECT_EQ(check(R"({"memory": {"limit": 1, "swap": -1, "swappiness": 0}})"), "");
  EXPECT_NE(check(R"({"memory": {"limit": -2}})").find("memory.limit"), std::string::npos);
  EXPECT_NE(check(R"({"memory": {"swappiness": 200}})").find("swappiness"), std::string::npos);
  EXPECT_NE(check(R"({"cpu": {"shares": "x"}})").find("cpu.shares"), std::string::npos);
  EXPECT_NE(check(R"({"blockIO": {"weight": 5}})").find("blockIO.weight"), std::string::npos);
  EXPECT_NE(check(R"({"bogus": {}})").find("bogus"), std::string::npos);
  EXPECT_NE(check(R"({"memory": {"limit": 200, "swap": 100}})").find("memory.swap"),
            std::string::npos);
}

TEST(Resources, DirsOnHybridAndV2) {
  Layout hybrid;
  hybrid.mode = Mode::kHybrid;
  hybrid.hierarchies = {{"/sys/fs/cgroup/memory", false, {"memory"}},
                        {"/sys/fs/cgroup/cpu,cpuacct", false, {"cpu", "cpuacct"}},
                        {"/sys/fs/cgroup/unified", true, {}}};
  Placement p;
  p.mode = Mode::kHybrid;
  p.dirs = {"/sys/fs/cgroup/memory/c", "/sys/fs/cgroup/cpu,cpuacct/c", "/sys/fs/cgroup/unified/c"};
  auto d = ResourceDirsOf(p, hybrid);
  EXPECT_FALSE(d.v2);
  EXPECT_EQ(d.memory, "/sys/fs/cgroup/memory/c");
  EXPECT_EQ(d.cpu, "/sys/fs/cgroup/cpu,cpuacct/c");
  EXPECT_EQ(d.unified, "/sys/fs/cgroup/unified/c");
  EXPECT_EQ(d.blkio, "");

  Layout v2;
  v2.mode = Mode::kV2;
  v2.hierarchies = {{"/sys/fs/cgroup", true, {}}};
  Placement q;
  q.mode = Mode::kV2;
  q.dirs = {"/sys/fs/cgroup/c"};
  auto e = ResourceDirsOf(q, v2);
  EXPECT_TRUE(e.v2);
  EXPECT_EQ(e.memory, "/sys/fs/cgroup/c");
  EXPECT_EQ(e.unified, "/sys/fs/cgroup/c");
}

}  // namespace
}  // namespace berth::runtime::cgroup
