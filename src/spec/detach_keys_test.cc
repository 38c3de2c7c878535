#include "spec/detach_keys.h"

#include <gtest/gtest.h>

namespace berth::spec {
namespace {

TEST(ParseDetachKeys, ReadsDockersForms) {
  EXPECT_EQ(*ParseDetachKeys("ctrl-p,ctrl-q"), std::string(kDefaultDetachKeys));
  EXPECT_EQ(*ParseDetachKeys("ctrl-a,x"), std::string("\x01x"));
  EXPECT_EQ(*ParseDetachKeys("ctrl-@"), std::string(1, '\0'));
  EXPECT_EQ(*ParseDetachKeys("ctrl-_,ctrl-[,DEL"), std::string("\x1f\x1b\x7f"));
}

TEST(ParseDetachKeys, RefusesWithMobysWords) {
  EXPECT_EQ(ParseDetachKeys("ctrl-foo").error().What(), "Unknown character: 'ctrl-foo'");
  for (const char* bad : {"ctrl-", "ctrl-1", "ab", "ctrl-p,", "a,,b", ""})
    EXPECT_FALSE(ParseDetachKeys(bad)) << bad;
}

TEST(DetachScanner, PassesOtherBytesAndStopsAtTheSequence) {
  DetachScanner s{std::string(kDefaultDetachKeys)};
  std::string out;
  EXPECT_FALSE(s.Feed("ls\n", out));
  EXPECT_EQ(out, "ls\n");
  // The sequence split across reads, with a false start before it.
  out.clear();
  EXPECT_FALSE(
      s.Feed("a\x10"
             "b\x10",
             out));
  EXPECT_EQ(out,
            "a\x10"
            "b");
  out.clear();
  EXPECT_TRUE(
      s.Feed("\x11"
             "after",
             out));
  EXPECT_EQ(out, "");
}

TEST(DetachScanner, ARepeatedFirstKeyRestartsTheMatch) {
  DetachScanner s{std::string(kDefaultDetachKeys)};
  std::string out;
  EXPECT_TRUE(s.Feed("\x10\x10\x11", out));
  EXPECT_EQ(out, "\x10");
}

TEST(DetachScanner, NoKeysNeverDetach) {
  DetachScanner s("");
  std::string out;
  EXPECT_FALSE(s.Feed(std::string("\x10\x11", 2), out));
  EXPECT_EQ(out, "\x10\x11");
}

}  // namespace
}  // namespace berth::spec
