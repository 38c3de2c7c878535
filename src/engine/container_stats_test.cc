#include "engine/container_stats.h"

#include <gtest/gtest.h>

namespace berth::engine {
namespace {

using nlohmann::json;

TEST(ContainerStatsTest, SystemCpuUsageSumsTheCpuLine) {
  auto u = SystemCpuUsage("cpu  10 20 30 40 50 60 70 80 0 0\ncpu0 1 2 3 4 5 6 7\n", 100);
  ASSERT_TRUE(u);
  EXPECT_EQ(*u, (10 + 20 + 30 + 40 + 50 + 60 + 70) * 10'000'000ull);
  EXPECT_FALSE(SystemCpuUsage("intr 1\n", 100));
}

TEST(ContainerStatsTest, NetworksSkipLoopback) {
  std::string dev =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
      "drop fifo colls carrier compressed\n"
      "    lo:     100       1    0    0    0     0          0         0      100       1    0 "
      "   0    0     0       0          0\n"
      "  eth0:    2000      20    1    2    0     0          0         0     3000      30    3 "
      "   4    0     0       0          0\n";
  json n = NetworksFromNetDev(dev);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n["eth0"]["rx_bytes"], 2000);
  EXPECT_EQ(n["eth0"]["rx_dropped"], 2);
  EXPECT_EQ(n["eth0"]["tx_bytes"], 3000);
  EXPECT_EQ(n["eth0"]["tx_errors"], 3);
  EXPECT_TRUE(NetworksFromNetDev(dev.substr(0, dev.find("  eth0"))).empty());
}

TEST(ContainerStatsTest, DockerShapeFromRuncStats) {
  StatsSample s;
  s.read = "2026-01-01T00:00:00.000000001Z";
  s.runc_data = {
      {"cpu",
       {{"usage", {{"total", 500}, {"percpu", {200, 300}}, {"kernel", 100}, {"user", 400}}},
        {"throttling", {{"periods", 4}}}}},
      {"memory",
       {{"usage", {{"limit", 9223372036854771712ull}, {"usage", 4096}, {"max", 8192}}},
        {"raw", {{"total_inactive_file", 1024}}}}},
      {"pids", {{"current", 2}}},
      {"blkio", {{"ioServiceBytesRecursive", {{{"major", 8}, {"op", "Read"}, {"value", 512}}}}}}};
  s.system_cpu_usage = 1000;
  s.online_cpus = 2;
  s.host_memory = 1 << 30;
  json j = DockerStats(s, "/x", "abc");
  EXPECT_EQ(j["cpu_stats"]["cpu_usage"]["total_usage"], 500);
  EXPECT_EQ(j["cpu_stats"]["cpu_usage"]["percpu_usage"], json({200, 300}));
  EXPECT_EQ(j["cpu_stats"]["cpu_usage"]["usage_in_usermode"], 400);
  EXPECT_EQ(j["cpu_stats"]["online_cpus"], 2);
  EXPECT_EQ(j["cpu_stats"]["throttling_data"]["periods"], 4);
  EXPECT_EQ(j["memory_stats"]["usage"], 4096);
  EXPECT_EQ(j["memory_stats"]["max_usage"], 8192);
  EXPECT_EQ(j["memory_stats"]["limit"], 1 << 30);  // unlimited: the host's memory
  EXPECT_EQ(j["memory_stats"]["stats"]["total_inactive_file"], 1024);
  EXPECT_EQ(j["pids_stats"]["current"], 2);
  EXPECT_FALSE(j["pids_stats"].contains("limit"));
  EXPECT_EQ(j["blkio_stats"]["io_service_bytes_recursive"][0]["value"], 512);
  EXPECT_EQ(j["blkio_stats"]["io_service_bytes_recursive"][0]["minor"], 0);
  EXPECT_TRUE(j["blkio_stats"]["io_serviced_recursive"].is_null());
  EXPECT_EQ(j["name"], "/x");
  EXPECT_FALSE(j.contains("networks"));

  json paired = WithPrevious(j, j);
  EXPECT_EQ(paired["precpu_stats"]["cpu_usage"]["total_usage"], 500);
  EXPECT_EQ(paired["preread"], s.read);
}

TEST(ContainerStatsTest, StoppedIsZeros) {
  json j = EmptyDockerStats("/x", "abc");
  EXPECT_EQ(j["read"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(j["cpu_stats"]["cpu_usage"]["total_usage"], 0);
  EXPECT_TRUE(j["memory_stats"].empty());
  EXPECT_EQ(j["id"], "abc");
}

}  // namespace
}  // namespace berth::engine
