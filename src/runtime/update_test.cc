#include <gtest/gtest.h>

#include "runtime/runtime.h"

namespace berth::runtime {
namespace {

TEST(ParseMemoryValue, BytesUnitsAndUnlimited) {
  EXPECT_EQ(*ParseMemoryValue("1048576"), 1048576);
  EXPECT_EQ(*ParseMemoryValue("512m"), 512LL << 20);
  EXPECT_EQ(*ParseMemoryValue("512M"), 512LL << 20);
  EXPECT_EQ(*ParseMemoryValue("1g"), 1LL << 30);
  EXPECT_EQ(*ParseMemoryValue("1GiB"), 1LL << 30);
  EXPECT_EQ(*ParseMemoryValue("4kb"), 4096);
  EXPECT_EQ(*ParseMemoryValue("1.5k"), 1536);
  EXPECT_EQ(*ParseMemoryValue("-1"), -1);
  EXPECT_FALSE(ParseMemoryValue("lots"));
  EXPECT_FALSE(ParseMemoryValue("12q"));
  EXPECT_FALSE(ParseMemoryValue(""));
  EXPECT_FALSE(ParseMemoryValue("-2"));
  EXPECT_FALSE(ParseMemoryValue("99999999p"));
}

}  // namespace
}  // namespace berth::runtime
