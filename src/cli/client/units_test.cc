#include "cli/client/units.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

TEST(Units, SizesAsDockerImagesPrintsThem) {
  EXPECT_EQ(HumanSize3(0), "0B");
  EXPECT_EQ(HumanSize3(4261550), "4.26MB");
  EXPECT_EQ(HumanSize3(123456), "123kB");
  EXPECT_EQ(HumanSize3(1.5e9), "1.5GB");
}

TEST(Units, DurationsAsGoUnits) {
  EXPECT_EQ(HumanDuration(0), "Less than a second");
  EXPECT_EQ(HumanDuration(45), "45 seconds");
  EXPECT_EQ(HumanDuration(90), "About a minute");
  EXPECT_EQ(HumanDuration(3 * 3600), "3 hours");
  EXPECT_EQ(HumanDuration(3 * 86400), "3 days");
  EXPECT_EQ(HumanDuration(20 * 86400), "2 weeks");
  EXPECT_EQ(HumanDuration(100 * 86400), "3 months");
  EXPECT_EQ(HumanDuration(800 * 86400), "2 years");
  EXPECT_EQ(TimeAgo(1000, 1000 + 7200), "2 hours ago");
}

TEST(Units, TablesPadEveryColumnButTheLast) {
  EXPECT_EQ(FormatTable({{"REPOSITORY", "TAG", "SIZE"}, {"busybox", "latest", "4.26MB"}}),
            "REPOSITORY   TAG      SIZE\n"
            "busybox      latest   4.26MB\n");
}

}  // namespace
}  // namespace berth::cli
