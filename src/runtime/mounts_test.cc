#include "runtime/mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace berth::runtime {
namespace {

spec::Mount M(std::string dest, std::string type, std::vector<std::string> opts,
              std::string src = "") {
  spec::Mount m;
  m.destination = std::move(dest);
  m.type = std::move(type);
  m.options = std::move(opts);
  m.source = std::move(src);
  return m;
}

TEST(PlanMount, ClassifiesOptions) {
  auto s =
      PlanMount(M("/dev", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}), "/b");
  ASSERT_TRUE(s) << s.error().What();
  EXPECT_FALSE(s->bind);
  EXPECT_EQ(s->attr_set, static_cast<uint64_t>(MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME));
  EXPECT_EQ(s->attr_clr & MOUNT_ATTR__ATIME, static_cast<uint64_t>(MOUNT_ATTR__ATIME));
  ASSERT_EQ(s->fs_options.size(), 2u);
  EXPECT_EQ(s->fs_options[0], (std::pair<std::string, std::string>{"mode", "755"}));
  EXPECT_EQ(s->data, "mode=755,size=65536k");
}

TEST(PlanMount, RecursiveAndPropagation) {
  auto s = PlanMount(M("/x", "bind", {"rbind", "rro", "rnosuid", "rshared"}, "/tmp"), "/b");
  ASSERT_TRUE(s) << s.error().What();
  EXPECT_TRUE(s->bind);
  EXPECT_TRUE(s->recursive_bind);
  EXPECT_EQ(s->rec_attr_set, static_cast<uint64_t>(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID));
  EXPECT_EQ(s->propagation, static_cast<uint64_t>(MS_SHARED));
  EXPECT_TRUE(s->propagation_recursive);
  EXPECT_FALSE(s->dest_is_file);
}

TEST(PlanMount, ProcMustBeRealDirAndBindSourceMustExist) {
  auto p = PlanMount(M("/proc", "proc", {}, "proc"), "/b");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->must_be_dir);
  EXPECT_NE(p->expect_fs_magic, 0u);
  auto missing = PlanMount(M("/x", "none", {"bind"}, "/nonexistent/berth"), "/b");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().What().find("/nonexistent/berth"), std::string::npos);
  auto file = PlanMount(M("/etc/x", "none", {"bind"}, "/etc/passwd"), "/b");
  ASSERT_TRUE(file);
  EXPECT_TRUE(file->dest_is_file);
}

class InRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char t[] = "/tmp/berth-root-XXXXXX";
    ASSERT_NE(::mkdtemp(t), nullptr);
    dir_ = t;
    root_ = ::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  }
  void TearDown() override {
    ::close(root_);
    ASSERT_TRUE(RemoveAll(dir_));
  }
  std::string dir_;
  int root_ = -1;
};

TEST_F(InRootTest, CreatesMissingDirsAndFiles) {
  int fd = MkdirAllInRoot(root_, "/a/b/c", false, false);
  ASSERT_GE(fd, 0);
  ::close(fd);
  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/a/b/c").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  fd = MkdirAllInRoot(root_, "/a/f", true, false);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_EQ(::stat((dir_ + "/a/f").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
}

// A symlink pointing at the host's root is followed inside the root: the
// directory is made under the container's root, never on the host.
TEST_F(InRootTest, SymlinksStayInsideTheRoot) {
  ASSERT_EQ(::symlink("/", (dir_ + "/escape").c_str()), 0);
  ASSERT_EQ(::symlink("../../../../tmp", (dir_ + "/up").c_str()), 0);
  int fd = MkdirAllInRoot(root_, "/escape/berth-should-not-exist-on-host", false, false);
  ASSERT_GE(fd, 0);
  ::close(fd);
  struct stat st;
  EXPECT_NE(::stat("/berth-should-not-exist-on-host", &st), 0);
  EXPECT_EQ(::stat((dir_ + "/berth-should-not-exist-on-host").c_str(), &st), 0);
  // "../../../../tmp" from the root is the root's own /tmp.
  ASSERT_EQ(::mkdir((dir_ + "/tmp").c_str(), 0755), 0);
  fd = MkdirAllInRoot(root_, "/up/berth-in-root-only", false, false);
  ASSERT_GE(fd, 0);
  ::close(fd);
  EXPECT_EQ(::stat((dir_ + "/tmp/berth-in-root-only").c_str(), &st), 0);
  EXPECT_NE(::stat("/tmp/berth-in-root-only", &st), 0);
}

// A dangling symlink is not followed out of the root to create its target
// on the host: the walk fails instead.
TEST_F(InRootTest, DanglingSymlinkFailsSafely) {
  ASSERT_EQ(::symlink("/berth-dangling-target", (dir_ + "/d").c_str()), 0);
  int fd = MkdirAllInRoot(root_, "/d/x", false, false);
  EXPECT_LT(fd, 0);
  struct stat st;
  EXPECT_NE(::stat("/berth-dangling-target", &st), 0);
}

TEST_F(InRootTest, NoFollowLastReturnsTheSymlink) {
  ASSERT_EQ(::symlink("/etc", (dir_ + "/proc").c_str()), 0);
  int fd = MkdirAllInRoot(root_, "/proc", false, true);
  ASSERT_GE(fd, 0);
  struct stat st;
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ::close(fd);
}

}  // namespace
}  // namespace berth::runtime
