#include "base/error.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace berth {
namespace {

Result<int> Inner(bool fail) {
  if (fail) return FailCode(ENOENT, "open {}", "/x");
  return 7;
}

Result<int> Outer(bool fail) {
  int v = TRY_CTX(Inner(fail), "load {}", "cfg");
  return v + 1;
}

Status Void(bool fail) {
  TRY(Inner(fail));
  return Ok();
}

TEST(Error, ContextChainsOutermostFirst) {
  auto r = Outer(true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ENOENT);
  EXPECT_EQ(r.error().What(), "load cfg: open /x: No such file or directory");
}

TEST(Error, TryYieldsValue) {
  EXPECT_EQ(*Outer(false), 8);
  EXPECT_TRUE(Void(false));
  EXPECT_FALSE(Void(true));
}

TEST(Error, NoErrnoNoSuffix) {
  auto e = Fail("process.args: must not be empty");
  EXPECT_EQ(e.error().What(), "process.args: must not be empty");
}

TEST(Error, ClassifiedKeepsCodeButNotItsText) {
  auto e = FailAs(ENOENT, "container {} does not exist", "c1");
  EXPECT_EQ(e.error().code(), ENOENT);
  EXPECT_EQ(e.error().What(), "container c1 does not exist");
  auto wrapped = std::move(e.error()).Context("delete");
  EXPECT_EQ(wrapped.What(), "delete: container c1 does not exist");
}

}  // namespace
}  // namespace berth
