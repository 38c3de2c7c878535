#include "runtime/cgroup/resources.h"

#include <dirent.h>

#include <cstdio>

#include <gtest/gtest.h>

#include "base/fs.h"

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

// A fake cgroup v2 directory (youki's seam: the controllers are files): on
// this hybrid host no cgroup2 mount can enable memory or cpu, so what a pure
// v2 host's kernel would receive is checked as the files' content.
class FakeV2 : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-fakev2-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    for (const char* f :
         {"memory.max", "memory.low", "memory.swap.max", "memory.oom.group", "cpu.weight",
          "cpu.max", "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems", "pids.max",
          "io.weight", "io.max", "hugetlb.2MB.max", "rdma.max", "memory.high"})
      ASSERT_TRUE(WriteFileAtomic(dir_ + "/" + f, ""));
    d_.v2 = true;
    d_.memory = d_.cpu = d_.cpuset = d_.blkio = d_.hugetlb = d_.rdma = d_.pids = d_.unified = dir_;
  }
  void TearDown() override { (void)RemoveAll(dir_); }
  std::string Read(const char* f) {
    auto s = ReadFile(dir_ + "/" + f);
    return s ? *s : "<unreadable>";
  }
  std::string dir_;
  ResourceDirs d_;
};

// A block device this host has (throttles are checked against /sys/dev/block).
std::pair<int, int> SomeBlockDevice() {
  std::pair<int, int> dev{-1, -1};
  if (DIR* d = ::opendir("/sys/dev/block")) {
    while (dirent* e = ::readdir(d))
      if (std::sscanf(e->d_name, "%d:%d", &dev.first, &dev.second) == 2) break;
    ::closedir(d);
  }
  return dev;
}

TEST_F(FakeV2, EveryFieldLandsInItsV2FileConvertedAsRunc) {
  auto [major, minor] = SomeBlockDevice();
  if (major < 0) GTEST_SKIP() << "no block device on this host";
  auto res = nlohmann::json::parse(R"({
    "memory": {"limit": 268435456, "reservation": 134217728, "swap": 536870912},
    "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "burst": 10000,
            "cpus": "0", "mems": "0", "idle": 1},
    "pids": {"limit": 42},
    "blockIO": {"weight": 500},
    "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
    "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
    "unified": {"memory.high": "200000000"}
  })");
  res["blockIO"]["throttleWriteIOPSDevice"] = {{{"major", major}, {"minor", minor}, {"rate", 100}}};
  auto st = ApplyResources(d_, res);
  ASSERT_TRUE(st) << st.error().What();
  EXPECT_EQ(Read("memory.max"), "268435456");
  EXPECT_EQ(Read("memory.low"), "134217728");
  EXPECT_EQ(Read("memory.swap.max"), "268435456");  // (memory+swap) - memory
  EXPECT_EQ(Read("cpu.weight"), "39");              // shares 1024, runc's formula
  EXPECT_EQ(Read("cpu.max"), "50000 100000");
  EXPECT_EQ(Read("cpu.max.burst"), "10000");
  EXPECT_EQ(Read("cpu.idle"), "1");
  EXPECT_EQ(Read("cpuset.cpus"), "0");
  EXPECT_EQ(Read("cpuset.mems"), "0");
  EXPECT_EQ(Read("io.weight"), "default 4950");  // blkio 500 -> 1 + 490 * 9999 / 990
  EXPECT_EQ(Read("io.max"), fmt::format("{}:{} wiops=100", major, minor));
  EXPECT_EQ(Read("hugetlb.2MB.max"), "4194304");
  EXPECT_EQ(Read("rdma.max"), "mlx5_1 hca_handle=3 hca_object=10000");
  EXPECT_EQ(Read("memory.high"), "200000000");
}

TEST_F(FakeV2, UnlimitedValuesBecomeMax) {
  auto st = ApplyResources(d_, nlohmann::json::parse(R"({
    "memory": {"limit": -1, "swap": -1}, "cpu": {"quota": -1, "period": 100000}
  })"));
  ASSERT_TRUE(st) << st.error().What();
  EXPECT_EQ(Read("memory.max"), "max");
  EXPECT_EQ(Read("memory.swap.max"), "max");
  EXPECT_EQ(Read("cpu.max"), "max 100000");
}

}  // namespace
}  // namespace berth::runtime::cgroup
