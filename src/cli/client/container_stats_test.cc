#include "cli/client/container_stats.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

using nlohmann::json;

TEST(StatsFieldsTest, DockersFormulas) {
  json s = {
      {"id", "0123456789abcdef0123"},
      {"name", "/web"},
      {"cpu_stats",
       {{"cpu_usage", {{"total_usage", 300}}}, {"system_cpu_usage", 2000}, {"online_cpus", 2}}},
      {"precpu_stats", {{"cpu_usage", {{"total_usage", 100}}}, {"system_cpu_usage", 1000}}},
      {"memory_stats",
       {{"usage", 3 * 1048576},
        {"limit", 100 * 1048576},
        {"stats", {{"total_inactive_file", 1048576}}}}},
      {"blkio_stats",
       {{"io_service_bytes_recursive",
         {{{"op", "Read"}, {"value", 4096}}, {{"op", "Write"}, {"value", 0}}}}}},
      {"pids_stats", {{"current", 3}}}};
  json f = StatsFields(s, "web", false);
  // (300-100)/(2000-1000) * 2 CPUs * 100
  EXPECT_EQ(f["CPUPerc"], "40.00%");
  EXPECT_EQ(f["MemUsage"], "2MiB / 100MiB");
  EXPECT_EQ(f["MemPerc"], "2.00%");
  EXPECT_EQ(f["BlockIO"], "4.1kB / 0B");
  EXPECT_EQ(f["NetIO"], "0B / 0B");
  EXPECT_EQ(f["PIDs"], "3");
  EXPECT_EQ(f["Name"], "web");
  EXPECT_EQ(f["ID"], "0123456789ab");
}

TEST(StatsFieldsTest, BinarySizes) {
  EXPECT_EQ(BinarySize(0), "0B");
  EXPECT_EQ(BinarySize(1536), "1.5KiB");
  EXPECT_EQ(BinarySize(1110000), "1.059MiB");
}

}  // namespace
}  // namespace berth::cli
