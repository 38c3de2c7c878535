#include "runtime/cgroup/stats.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "runtime/cgroup/freezer.h"

namespace berth::runtime::cgroup {
namespace {

// A cgroup directory made of sample file texts.
FileReader Fake(std::map<std::string, std::string> files) {
  return [files = std::move(files)](const std::string& name) -> Result<std::string> {
    auto it = files.find(name);
    if (it == files.end()) return FailCode(ENOENT, "read {}", name);
    return it->second;
  };
}

TEST(StatsParse, Numbers) {
  EXPECT_EQ(*ParseCgroupUint("42\n"), 42u);
  EXPECT_EQ(*ParseCgroupUint("max\n"), UINT64_MAX);
  EXPECT_EQ(*ParseCgroupUint("-4096"), 0u);  // kernel accounting bugs read as 0
  EXPECT_FALSE(ParseCgroupUint("12abc"));
  EXPECT_FALSE(ParseCgroupUint(""));
}

TEST(StatsParse, KeyValuesAndLists) {
  auto kv = ParseKeyValues("cache 0\nrss 57344\n");
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->at("rss"), 57344u);
  EXPECT_FALSE(ParseKeyValues("rss 1 2\n"));
  EXPECT_EQ(*ParseCpuList("0-2,5\n"), (std::vector<uint16_t>{0, 1, 2, 5}));
  EXPECT_FALSE(ParseCpuList("\n"));
  EXPECT_FALSE(ParseCpuList("3-1"));
  auto b = ParseBlkioV1("8:0 Read 4096\n8:0 Write 0\n8:16 Sync 12\nTotal 4108\n");
  ASSERT_TRUE(b) << b.error().What();
  ASSERT_EQ(b->size(), 3u);
  EXPECT_EQ((*b)[0], (BlkioEntry{8, 0, "Read", 4096}));
  EXPECT_EQ((*b)[2], (BlkioEntry{8, 16, "Sync", 12}));
  EXPECT_TRUE(ParseBlkioV1("")->empty());
  EXPECT_FALSE(ParseBlkioV1("8:0\n"));
}

TEST(StatsParse, HugePageSizeNames) {
  EXPECT_EQ(HugePageSizeName("hugepages-2048kB"), "2MB");
  EXPECT_EQ(HugePageSizeName("hugepages-1048576kB"), "1GB");
  EXPECT_EQ(HugePageSizeName("hugepages-64kB"), "64KB");
  EXPECT_EQ(HugePageSizeName("nr_hugepages"), "");
}

TEST(StatsV1, CpuFromCpuAndCpuacct) {
  Stats s;
  ASSERT_TRUE(
      ReadCpuacctV1(Fake({{"cpuacct.stat", "user 3\nsystem 1\n"},
                          {"cpuacct.usage", "13130654\n"},
                          {"cpuacct.usage_percpu", "10492518 2638136 \n"},
                          {"cpuacct.usage_all", "cpu user system\n0 5 12000000\n1 0 4000000\n"}}),
                    &s));
  EXPECT_EQ(s.cpu_usage.total, 13130654u);
  EXPECT_EQ(s.cpu_usage.user, 30000000u);  // ticks of 1/100 s in ns
  EXPECT_EQ(s.cpu_usage.kernel, 10000000u);
  EXPECT_EQ(s.cpu_usage.percpu, (std::vector<uint64_t>{10492518, 2638136}));
  EXPECT_EQ(s.cpu_usage.percpu_kernel, (std::vector<uint64_t>{12000000, 4000000}));
  EXPECT_EQ(s.cpu_usage.percpu_user, (std::vector<uint64_t>{5, 0}));
  ASSERT_TRUE(ReadCpuV1(Fake({{"cpu.stat",
                               "nr_periods 10\nnr_throttled 2\nthrottled_time 900\n"
                               "nr_bursts 0\nburst_time 0\n"}}),
                        &s));
  EXPECT_EQ(s.throttling.periods, 10u);
  EXPECT_EQ(s.throttling.throttled_periods, 2u);
  EXPECT_EQ(s.throttling.throttled_time, 900u);
  // A missing cpuacct file is an error that names it.
  Stats t;
  auto bad = ReadCpuacctV1(Fake({{"cpuacct.stat", "user 1\nsystem 1\n"}}), &t);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().What().find("cpuacct.usage"), std::string::npos);
}

TEST(StatsV1, Memory) {
  Stats s;
  auto r = Fake({{"memory.stat", "cache 8192\nrss 57344\ntotal_rss 57344\n"},
                 {"memory.usage_in_bytes", "729088\n"},
                 {"memory.max_usage_in_bytes", "2514944\n"},
                 {"memory.failcnt", "3\n"},
                 {"memory.limit_in_bytes", "9223372036854771712\n"},
                 {"memory.kmem.usage_in_bytes", "245760\n"},
                 {"memory.kmem.max_usage_in_bytes", "610304\n"},
                 {"memory.kmem.failcnt", "0\n"},
                 {"memory.kmem.limit_in_bytes", "9223372036854771712\n"}});
  ASSERT_TRUE(ReadMemoryV1(r, &s));
  EXPECT_EQ(s.memory.cache, 8192u);
  EXPECT_EQ(s.memory.raw.at("total_rss"), 57344u);
  EXPECT_EQ(s.memory.usage.usage, 729088u);
  EXPECT_EQ(s.memory.usage.max, 2514944u);
  EXPECT_EQ(s.memory.usage.failcnt, 3u);
  EXPECT_EQ(s.memory.usage.limit, 9223372036854771712u);
  EXPECT_EQ(s.memory.kernel.usage, 245760u);
  // No memsw (swap accounting off) and no kmem.tcp: zeros, not errors.
  EXPECT_EQ(s.memory.swap.usage, 0u);
  EXPECT_EQ(s.memory.kernel_tcp.limit, 0u);
}

TEST(StatsV1, PidsCpusetAndBlkio) {
  Stats s;
  ASSERT_TRUE(ReadPids(Fake({{"pids.current", "3\n"}, {"pids.max", "max\n"}}), &s));
  EXPECT_EQ(s.pids.current, 3u);
  EXPECT_EQ(s.pids.limit, 0u);
  ASSERT_TRUE(ReadPids(Fake({{"pids.current", "3\n"}, {"pids.max", "100\n"}}), &s));
  EXPECT_EQ(s.pids.limit, 100u);

  ASSERT_TRUE(ReadCpusetV1(Fake({{"cpuset.cpus", "0-1\n"},
                                 {"cpuset.mems", "0\n"},
                                 {"cpuset.sched_load_balance", "1\n"},
                                 {"cpuset.sched_relax_domain_level", "-1\n"}}),
                           &s));
  EXPECT_EQ(s.cpuset.cpus, (std::vector<uint16_t>{0, 1}));
  EXPECT_EQ(s.cpuset.sched_load_balance, 1u);
  EXPECT_EQ(s.cpuset.sched_relax_domain_level, -1);

  // bfq files present but empty (no I/O yet), throttle files with data:
  // runc's order of groups picks the throttle counters.
  ASSERT_TRUE(ReadBlkioV1(Fake({{"blkio.bfq.io_serviced_recursive", ""},
                                {"blkio.bfq.io_service_bytes_recursive", ""},
                                {"blkio.throttle.io_serviced_recursive", "8:0 Read 2\nTotal 2\n"},
                                {"blkio.throttle.io_service_bytes_recursive",
                                 "8:0 Read 8192\n8:0 Write 0\nTotal 8192\n"}}),
                          &s));
  ASSERT_EQ(s.blkio.io_service_bytes_recursive.size(), 2u);
  EXPECT_EQ(s.blkio.io_service_bytes_recursive[0], (BlkioEntry{8, 0, "Read", 8192}));
  ASSERT_EQ(s.blkio.io_serviced_recursive.size(), 1u);
}

TEST(StatsV2, CpuMemoryIoPidsHugetlb) {
  auto r = Fake({{"cpu.stat",
                  "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\n"
                  "nr_throttled 1\nthrottled_usec 20\n"},
                 {"memory.stat", "anon 4096\nfile 8192\nshmem 0\n"},
                 {"memory.current", "12288\n"},
                 {"memory.max", "33554432\n"},
                 {"memory.peak", "20480\n"},
                 {"memory.events", "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n"},
                 {"memory.swap.current", "4096\n"},
                 {"memory.swap.max", "max\n"},
                 {"io.stat", "8:0 rbytes=4096 wbytes=512 rios=1 wios=2 dbytes=0 dios=0\n"},
                 {"pids.current", "2\n"},
                 {"pids.max", "64\n"},
                 {"hugetlb.2MB.current", "0\n"},
                 {"hugetlb.2MB.events", "max 5\n"}});
  Stats s;
  ASSERT_TRUE(ReadCpuV2(r, &s));
  ASSERT_TRUE(ReadMemoryV2(r, &s));
  ASSERT_TRUE(ReadIoV2(r, &s));
  ASSERT_TRUE(ReadPids(r, &s));
  ASSERT_TRUE(ReadHugetlbV2(r, {"2MB", "1GB"}, &s));
  EXPECT_EQ(s.cpu_usage.total, 1500000u);
  EXPECT_EQ(s.cpu_usage.user, 1000000u);
  EXPECT_EQ(s.cpu_usage.kernel, 500000u);
  EXPECT_EQ(s.throttling.throttled_time, 20000u);
  EXPECT_EQ(s.memory.cache, 8192u);
  EXPECT_EQ(s.memory.usage.usage, 12288u);
  EXPECT_EQ(s.memory.usage.limit, 33554432u);
  EXPECT_EQ(s.memory.usage.max, 20480u);
  EXPECT_EQ(s.memory.usage.failcnt, 7u);
  EXPECT_EQ(s.memory.swap.usage, 12288u + 4096u);  // memory+swap, as v1 counts
  EXPECT_EQ(s.memory.swap.limit, UINT64_MAX);
  ASSERT_EQ(s.blkio.io_service_bytes_recursive.size(), 2u);
  EXPECT_EQ(s.blkio.io_service_bytes_recursive[1], (BlkioEntry{8, 0, "Write", 512}));
  EXPECT_EQ(s.blkio.io_serviced_recursive[1], (BlkioEntry{8, 0, "Write", 2}));
  EXPECT_EQ(s.pids.current, 2u);
  EXPECT_EQ(s.pids.limit, 64u);
  ASSERT_EQ(s.hugetlb.size(), 1u);  // 1GB is absent: that controller file set is not there
  EXPECT_EQ(s.hugetlb["2MB"].failcnt, 5u);

  // Without the pids controller, the members are counted.
  Stats p;
  ASSERT_TRUE(ReadPids(Fake({{"cgroup.procs", "10\n11\n12\n"}}), &p));
  EXPECT_EQ(p.pids.current, 3u);
}

TEST(StatsJson, RuncFieldNamesAndOmittedZeros) {
  Stats s;
  s.cpu_usage.total = 5;
  s.memory.usage.limit = 100;
  s.pids.current = 1;
  s.blkio.io_service_bytes_recursive.push_back({8, 0, "Read", 0});
  auto j = StatsToJson(s);
  EXPECT_EQ(j["cpu"].dump(), R"({"usage":{"total":5,"kernel":0,"user":0},"throttling":{}})");
  EXPECT_EQ(j["memory"]["usage"].dump(), R"({"limit":100,"failcnt":0})");
  EXPECT_FALSE(j["memory"].contains("raw"));
  EXPECT_FALSE(j["memory"].contains("cache"));
  EXPECT_EQ(j["pids"].dump(), R"({"current":1})");
  EXPECT_EQ(j["blkio"].dump(), R"({"ioServiceBytesRecursive":[{"major":8,"op":"Read"}]})");
  EXPECT_EQ(j["cpuset"]["sched_relax_domain_level"], 0);
  EXPECT_FALSE(j["cpuset"].contains("cpus"));
  EXPECT_TRUE(j["network_interfaces"].is_null());
  std::string keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys += it.key() + ",";
  EXPECT_EQ(keys, "cpu,cpuset,memory,pids,blkio,hugetlb,intel_rdt,network_interfaces,");
}

TEST(Freezer, FrozenKeyOfCgroupEvents) {
  EXPECT_EQ(FrozenKey("populated 1\nfrozen 0\n"), 0);
  EXPECT_EQ(FrozenKey("populated 1\nfrozen 1\n"), 1);
  EXPECT_EQ(FrozenKey("populated 1\n"), -1);
}

TEST(StatsDirs, ControllerDirsFromPlacement) {
  Layout l = *ParseLayout(
      "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
      "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
  auto p = *PlanPlacement(l, "c1", "4:memory:/a\n1:cpu,cpuacct:/\n0::/\n");
  EXPECT_EQ(ControllerDir(p, l, "cpuacct"), "/sys/fs/cgroup/cpu,cpuacct/c1");
  EXPECT_EQ(ControllerDir(p, l, "memory"), "/sys/fs/cgroup/memory/a/c1");
  EXPECT_EQ(ControllerDir(p, l, "blkio"), "");
  Layout v2 = *ParseLayout("40 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  auto q = *PlanPlacement(v2, "/x", "0::/\n");
  EXPECT_EQ(ControllerDir(q, v2, "memory"), "/sys/fs/cgroup/x");
}

}  // namespace
}  // namespace berth::runtime::cgroup
