#include "base/parallel.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(RunInParallel, RunsEveryJobOnAtMostTheThreadsAsked) {
  std::vector<std::atomic<int>> runs(20);
  std::atomic<int> running{0}, most{0};
  Status st = RunInParallel(runs.size(), 3, [&](size_t i) -> Status {
    int now = ++running;
    for (int m = most; now > m && !most.compare_exchange_weak(m, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ++runs[i];
    --running;
    return Ok();
  });
  ASSERT_TRUE(st);
  for (auto& r : runs) EXPECT_EQ(r, 1);
  EXPECT_LE(most, 3);
  EXPECT_GE(most, 2);
}

TEST(RunInParallel, StopsStartingJobsAfterAFailureAndReturnsIt) {
  std::atomic<int> started{0};
  Status st = RunInParallel(100, 1, [&](size_t i) -> Status {
    ++started;
    if (i == 2) return Fail("job {} failed", i);
    return Ok();
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().What(), "job 2 failed");
  EXPECT_EQ(started, 3);
  EXPECT_TRUE(RunInParallel(0, 4, [](size_t) -> Status { return Fail("never"); }));
}

}  // namespace
}  // namespace berth
