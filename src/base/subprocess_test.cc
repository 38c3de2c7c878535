#include "base/subprocess.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>

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

TEST(RunProgram, OneThatDoesNotFinishInTimeIsKilled) {
  auto start = std::chrono::steady_clock::now();
  auto r = RunProgram("sleep", {"30"}, 200);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ETIMEDOUT);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(RunProgram, TheChildGetsNoOtherFd) {
  // Deliberately not close-on-exec, and above what ls itself opens.
  int raw = ::open("/dev/null", O_RDONLY);
  int fd = ::dup2(raw, 57);
  ::close(raw);
  ASSERT_EQ(fd, 57);
  auto r = RunProgram("sh", {"-c", "ls /proc/self/fd"});
  ::close(fd);
  ASSERT_TRUE(r) << r.error().What();
  // 0, 1, 2, and the directory ls reads.
  EXPECT_EQ(r->out.find(std::to_string(fd) + "\n"), std::string::npos) << r->out;
}

TEST(RunProgram, AMissingProgramIsAnError) {
  auto r = RunProgram("/nonexistent/prog", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ENOENT);
}

}  // namespace
}  // namespace berth
