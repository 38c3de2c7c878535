#include "engine/detach_keys.h"

#include <gtest/gtest.h>

namespace berth::engine {
namespace {

TEST(DetachKeys, DefaultIsCtrlPCtrlQ) {
  auto k = ParseDetachKeys("");
  ASSERT_TRUE(k);
  EXPECT_EQ(*k, (std::vector<unsigned char>{0x10, 0x11}));
}

TEST(DetachKeys, ParsesDockerForms) {
  auto k = ParseDetachKeys("ctrl-a,x,ctrl-@,ctrl-_");
  ASSERT_TRUE(k);
  EXPECT_EQ(*k, (std::vector<unsigned char>{0x01, 'x', 0x00, 0x1f}));
}

TEST(DetachKeys, RefusesWithDockersWords) {
  for (const char* bad : {"ctrl-", "ctrl-1", "ab", "ctrl-p,", "shift-a"}) {
    auto k = ParseDetachKeys(bad);
    ASSERT_FALSE(k) << bad;
    EXPECT_EQ(k.error().message(), std::string("Invalid detach keys (") + bad + ") provided");
  }
}

TEST(DetachScanner, PassesOtherBytesAndStopsAtTheSequence) {
  DetachScanner s({0x10, 0x11});
  bool detached = false;
  EXPECT_EQ(s.Feed("ls\n", &detached), "ls\n");
  EXPECT_FALSE(detached);
  // The sequence split across reads, with a false start before it.
  EXPECT_EQ(s.Feed("a\x10"
                   "b\x10",
                   &detached),
            "a\x10"
            "b");
  EXPECT_FALSE(detached);
  EXPECT_EQ(s.Feed("\x11"
                   "after",
                   &detached),
            "");
  EXPECT_TRUE(detached);
}

TEST(DetachScanner, ARepeatedFirstKeyRestartsTheMatch) {
  DetachScanner s({0x10, 0x11});
  bool detached = false;
  EXPECT_EQ(s.Feed("\x10\x10\x11", &detached), "\x10");
  EXPECT_TRUE(detached);
}

}  // namespace
}  // namespace berth::engine
