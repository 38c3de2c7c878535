#include "base/fs.h"

#include <sys/stat.h>

#include <cstdlib>

#include <gtest/gtest.h>

namespace berth {
namespace {

class FsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-fs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { ASSERT_TRUE(RemoveAll(dir_)); }
  std::string dir_;
};

TEST_F(FsTest, AtomicWriteReplacesAndLeavesNoTemp) {
  std::string p = dir_ + "/state.json";
  ASSERT_TRUE(WriteFileAtomic(p, "one", 0600));
  ASSERT_TRUE(WriteFileAtomic(p, "two", 0600));
  EXPECT_EQ(*ReadFile(p), "two");
  struct stat st;
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Only the file itself remains.
  ASSERT_TRUE(RemoveAll(p));
  EXPECT_EQ(::rmdir(dir_.c_str()), 0);
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
}

TEST_F(FsTest, MkdirAllAndRemoveAll) {
  ASSERT_TRUE(MkdirAll(dir_ + "/a/b/c", 0755));
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/a/b/c/f", "x"));
  ASSERT_EQ(::symlink("/etc", (dir_ + "/a/link").c_str()), 0);
  ASSERT_TRUE(RemoveAll(dir_ + "/a"));
  struct stat st;
  EXPECT_NE(::lstat((dir_ + "/a").c_str(), &st), 0);
  EXPECT_EQ(::stat("/etc/passwd", &st), 0);  // the symlink's target is untouched
}

TEST_F(FsTest, MkdirAllRefusesFile) {
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/f", "x"));
  auto st = MkdirAll(dir_ + "/f", 0755);
  EXPECT_FALSE(st);
}

TEST(Path, Clean) {
  EXPECT_EQ(CleanPath("/a/./b/../c//"), "/a/c");
  EXPECT_EQ(CleanPath("/../.."), "/");
  EXPECT_EQ(CleanPath("a/../../b"), "../b");
  EXPECT_EQ(JoinPath("/bundle", "rootfs"), "/bundle/rootfs");
  EXPECT_EQ(JoinPath("/bundle", "/abs/r"), "/abs/r");
}

}  // namespace
}  // namespace berth
