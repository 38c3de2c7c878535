#include "engine/host_resources.h"

#include <gtest/gtest.h>

namespace berth::engine {
namespace {

using nlohmann::json;

std::string ErrorOf(const json& j) {
  auto r = ParseResources(j);
  EXPECT_FALSE(r.has_value()) << j.dump();
  return r ? "" : r.error().What();
}

TEST(HostResources, ReadsDockersFieldsAndDefaults) {
  auto r = ParseResources(json::parse(R"({"Memory": 33554432, "MemoryReservation": 16777216,
    "OomKillDisable": true, "NanoCpus": 500000000, "CpuShares": 512, "CpusetCpus": "0",
    "CpusetMems": "0", "PidsLimit": 50, "BlkioWeight": 300,
    "BlkioDeviceReadBps": [{"Path": "/dev/vda", "Rate": 1048576}],
    "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 2048}]})"));
  ASSERT_TRUE(r) << r.error().What();
  EXPECT_EQ(r->memory, 32 << 20);
  EXPECT_EQ(r->memory_swap, 64 << 20);  // docker: twice the memory when not given
  EXPECT_EQ(r->memory_reservation, 16 << 20);
  EXPECT_TRUE(r->oom_kill_disable);
  EXPECT_EQ(r->nano_cpus, 500000000);
  EXPECT_EQ(r->cpu_shares, 512);
  EXPECT_EQ(r->pids_limit, 50);
  EXPECT_EQ(r->blkio_weight, 300);
  ASSERT_EQ(r->blkio_device_read_bps.size(), 1u);
  EXPECT_EQ(r->blkio_device_read_bps[0].path, "/dev/vda");
  EXPECT_EQ(r->blkio_device_read_bps[0].rate, 1048576u);
  ASSERT_EQ(r->ulimits.size(), 1u);
  EXPECT_EQ(r->ulimits[0].soft, 1024);
  EXPECT_EQ(r->ulimits[0].hard, 2048);
  EXPECT_EQ(r->shm_size, kDefaultShmSize);
}

TEST(HostResources, RoundTripsThroughTheStoredForm) {
  auto r = ParseResources(json::parse(R"({"Memory": 33554432, "CpuQuota": 50000,
    "CpuPeriod": 100000, "PidsLimit": 7, "ShmSize": 1048576,
    "BlkioDeviceWriteIOps": [{"Path": "/dev/vda", "Rate": 10}],
    "Ulimits": [{"Name": "nproc", "Soft": 10, "Hard": 20}]})"));
  ASSERT_TRUE(r) << r.error().What();
  json stored = json::object();
  ResourcesToJson(*r, &stored);
  EXPECT_EQ(stored["Memory"], 33554432);
  EXPECT_EQ(stored["ShmSize"], 1048576);
  EXPECT_FALSE(stored.contains("KernelMemory"));  // omitted when 0, as docker
  auto again = ParseResources(stored);
  ASSERT_TRUE(again) << again.error().What();
  json stored2 = json::object();
  ResourcesToJson(*again, &stored2);
  EXPECT_EQ(stored, stored2);
}

TEST(HostResources, ZeroValuesAreDockersDefaults) {
  auto r = ParseResources(json::object());
  ASSERT_TRUE(r);
  json j = json::object();
  ResourcesToJson(*r, &j);
  EXPECT_EQ(j["Memory"], 0);
  EXPECT_EQ(j["MemorySwap"], 0);
  EXPECT_TRUE(j["PidsLimit"].is_null());
  EXPECT_EQ(j["ShmSize"], 67108864);
  EXPECT_EQ(j["CpusetCpus"], "");
  EXPECT_TRUE(j["BlkioDeviceReadBps"].is_array());
  // A PidsLimit of 0 or -1 is "no limit", as docker stores it.
  auto p = ParseResources(json{{"PidsLimit", -1}});
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->pids_limit.has_value());
}

TEST(HostResources, RefusesWithDockersMessages) {
  EXPECT_EQ(ErrorOf({{"Memory", 4 << 20}}), "Minimum memory limit allowed is 6MB");
  EXPECT_EQ(ErrorOf({{"Memory", 32 << 20}, {"MemorySwap", 16 << 20}}),
            "Minimum memoryswap limit should be larger than memory limit, see usage");
  EXPECT_EQ(ErrorOf({{"MemorySwap", 64 << 20}}),
            "You should always set the Memory limit when using Memoryswap limit, see usage");
  EXPECT_EQ(ErrorOf({{"Memory", 32 << 20}, {"MemoryReservation", 64 << 20}}),
            "Minimum memory limit can not be less than memory reservation limit, see usage");
  EXPECT_EQ(ErrorOf({{"NanoCpus", 1000000000}, {"CpuQuota", 50000}}),
            "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  EXPECT_EQ(ErrorOf({{"NanoCpus", 1000000000}, {"CpuPeriod", 50000}}),
            "Conflicting options: Nano CPUs and CPU Period cannot both be set");
  EXPECT_EQ(ErrorOf({{"BlkioWeight", 5}}), "Range of blkio weight is from 10 to 1000");
  EXPECT_EQ(ErrorOf({{"CpusetCpus", "0-"}}), "Invalid value 0- for cpuset cpus");
  EXPECT_EQ(ErrorOf({{"CpuPeriod", 100}}),
            "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  EXPECT_EQ(ErrorOf(json::parse(R"({"Ulimits": [{"Name": "foo", "Soft": 1, "Hard": 1}]})")),
            "invalid ulimit type: foo");
  EXPECT_EQ(ErrorOf(json::parse(R"({"Ulimits": [{"Name": "nofile", "Soft": 3, "Hard": 1}]})")),
            "ulimit soft limit must be less than or equal to hard limit: 3 > 1");
  EXPECT_EQ(ErrorOf({{"Memory", "1g"}}).rfind("HostConfig.Memory: must be an integer", 0), 0u);
  EXPECT_EQ(ErrorOf(json::parse(R"({"BlkioDeviceReadBps": [{"Path": "vda", "Rate": 1}]})")),
            "HostConfig.BlkioDeviceReadBps[0].Path: \"vda\" is not an absolute path");
  // An update may change MemorySwap alone.
  Resources u;
  u.memory_swap = 64 << 20;
  EXPECT_TRUE(ValidateResources(u, /*update=*/true));
}

TEST(HostResources, ParsesCpuLists) {
  EXPECT_EQ(*ParseCpuList("0-2,4"), (std::vector<int>{0, 1, 2, 4}));
  EXPECT_EQ(*ParseCpuList("3,1,1"), (std::vector<int>{1, 3}));
  EXPECT_TRUE(ParseCpuList("")->empty());
  EXPECT_FALSE(ParseCpuList("a"));
  EXPECT_FALSE(ParseCpuList("2-1"));
  EXPECT_FALSE(ParseCpuList("1,"));
}

TEST(HostResources, AppliesToTheSpec) {
  Resources r;
  r.memory = 32 << 20;
  r.memory_swap = 64 << 20;
  r.nano_cpus = 1500000000;
  r.cpu_shares = 512;
  r.cpuset_cpus = "0";
  r.pids_limit = 20;
  r.ulimits = {{"nofile", 1024, 2048}};
  r.shm_size = 1 << 20;
  spec::Config cfg;
  cfg.process = spec::Process{};
  cfg.process->rlimits = {{"RLIMIT_NOFILE", 4096, 4096}};
  cfg.linux = spec::Linux{};
  cfg.linux->resources_other = {{"cpu", {{"realtimeRuntime", 5}}}};
  spec::Mount shm;
  shm.destination = "/dev/shm";
  shm.type = "tmpfs";
  shm.source = "shm";
  shm.options = {"nosuid", "size=67108864"};
  cfg.mounts.push_back(shm);
  ASSERT_TRUE(ApplyResources(r, &cfg));
  const json& res = cfg.linux->resources_other;
  EXPECT_EQ(res["memory"]["limit"], 32 << 20);
  EXPECT_EQ(res["cpu"]["quota"], 150000);
  EXPECT_EQ(res["cpu"]["period"], 100000);
  EXPECT_EQ(res["cpu"]["shares"], 512);
  EXPECT_EQ(res["cpu"]["cpus"], "0");
  EXPECT_EQ(res["cpu"]["realtimeRuntime"], 5);  // what was there stays
  EXPECT_EQ(res["pids"]["limit"], 20);
  ASSERT_EQ(cfg.process->rlimits.size(), 1u);
  EXPECT_EQ(cfg.process->rlimits[0].soft, 1024u);
  EXPECT_EQ(cfg.process->rlimits[0].hard, 2048u);
  EXPECT_EQ(cfg.mounts[0].options, (std::vector<std::string>{"nosuid", "size=1048576"}));
}

TEST(HostResources, LeavesAUsersShmMountAlone) {
  Resources r;
  r.shm_size = 1 << 20;
  spec::Config cfg;
  spec::Mount m;
  m.destination = "/dev/shm";
  m.type = "bind";
  m.source = "/tmp/x";
  m.options = {"rbind"};
  cfg.mounts.push_back(m);
  ASSERT_TRUE(ApplyResources(r, &cfg));
  EXPECT_EQ(cfg.mounts[0].options, std::vector<std::string>{"rbind"});
}

}  // namespace
}  // namespace berth::engine
