#include "base/subprocess.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(RunProgram, TakesBothStreamsAndTheExitStatus) {
  auto r = RunProgram("sh", {"-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r) << r.error().What();
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_EQ(r->exit_status, 3);
}

TEST(RunProgram, ReadsOutputLargerThanAPipeFromBothStreams) {
  auto r = RunProgram("sh", {"-c", "head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2"});
  ASSERT_TRUE(r) << r.error().What();
  EXPECT_EQ(r->out.size(), 300000u);
  EXPECT_EQ(r->err.size(), 200000u);
}

TEST(RunProgram, AKilledChildIs128PlusTheSignal) {
  auto r = RunProgram("sh", {"-c", "kill -9 $$"});
  ASSERT_TRUE(r) << r.error().What();
  EXPECT_EQ(r->exit_status, 137);
}

TEST(RunProgram, AMissingProgramIsAnError) {
  auto r = RunProgram("/nonexistent/prog", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ENOENT);
}

}  // namespace
}  // namespace berth
