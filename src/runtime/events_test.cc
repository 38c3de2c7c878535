#include <gtest/gtest.h>

#include "runtime/runtime.h"

namespace berth::runtime {
namespace {

using std::chrono::nanoseconds;

TEST(ParseDuration, GoSyntax) {
  EXPECT_EQ(*ParseDuration("5s"), nanoseconds(5000000000));
  EXPECT_EQ(*ParseDuration("100ms"), nanoseconds(100000000));
  EXPECT_EQ(*ParseDuration("1m30s"), nanoseconds(90000000000));
  EXPECT_EQ(*ParseDuration("1.5h"), nanoseconds(5400000000000));
  EXPECT_EQ(*ParseDuration("250us"), nanoseconds(250000));
  EXPECT_EQ(*ParseDuration("0"), nanoseconds(0));
  EXPECT_EQ(*ParseDuration("-2s"), nanoseconds(-2000000000));
  EXPECT_FALSE(ParseDuration("5"));
  EXPECT_FALSE(ParseDuration("5x"));
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("s"));
}

TEST(FilterPsOutput, KeepsHeaderAndContainerPids) {
  std::string out =
      "UID          PID    PPID  C STIME TTY          TIME CMD\n"
      "root           1       0  0 19:00 ?        00:00:01 init\n"
      "root         300       1  0 19:01 ?        00:00:00 sleep 100\n"
      "root         301     300  0 19:01 ?        00:00:00 sh -c x\n";
  auto t = FilterPsOutput(out, {301, 300});
  ASSERT_TRUE(t) << t.error().What();
  EXPECT_EQ(*t,
            "UID          PID    PPID  C STIME TTY          TIME CMD\n"
            "root         300       1  0 19:01 ?        00:00:00 sleep 100\n"
            "root         301     300  0 19:01 ?        00:00:00 sh -c x\n");
  // The PID column is found by name, wherever ps puts it.
  auto s = FilterPsOutput("STAT   PID\nS        1\nR      300\n", {300});
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, "STAT   PID\nR      300\n");
  EXPECT_FALSE(FilterPsOutput("USER COMMAND\nroot init\n", {1}));
  EXPECT_FALSE(FilterPsOutput("PID CMD\nabc init\n", {1}));
}

}  // namespace
}  // namespace berth::runtime
