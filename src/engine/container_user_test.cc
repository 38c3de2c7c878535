#include "engine/container_user.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace berth::engine {
namespace {

constexpr std::string_view kPasswd =
    "# comment\n"
    "root:x:0:0:root:/root:/bin/sh\n"
    "bob:x:1000:1000:Bob:/home/bob:/bin/sh\n"
    "svc:x:999:998::/srv:/bin/false\n";
constexpr std::string_view kGroup =
    "root:x:0:\n"
    "bob:x:1000:\n"
    "staff:x:50:bob,alice\n"
    "audio:x:29:alice,bob\n"
    "svc:x:998:\n";

TEST(ContainerUser, NameTakesPasswdIdsAndMemberships) {
  auto u = ResolveUser("bob", kPasswd, kGroup);
  ASSERT_TRUE(u) << u.error().What();
  EXPECT_EQ(u->uid, 1000u);
  EXPECT_EQ(u->gid, 1000u);
  EXPECT_EQ(u->additional_gids, (std::vector<uint32_t>{50, 29}));
  EXPECT_EQ(u->home, "/home/bob");
}

TEST(ContainerUser, EmptyIsRoot) {
  auto u = ResolveUser("", kPasswd, kGroup);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->uid, 0u);
  EXPECT_EQ(u->gid, 0u);
  EXPECT_EQ(u->home, "/root");
}

TEST(ContainerUser, NumbersNeedNoEntry) {
  auto u = ResolveUser("4242", kPasswd, kGroup);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->uid, 4242u);
  EXPECT_EQ(u->gid, 0u);
  EXPECT_EQ(u->home, "/");
  auto listed = ResolveUser("999", kPasswd, kGroup);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->gid, 998u);
  auto both = ResolveUser("4242:4343", "", "");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->uid, 4242u);
  EXPECT_EQ(both->gid, 4343u);
}

TEST(ContainerUser, ExplicitGroupReplacesAndDropsMemberships) {
  auto u = ResolveUser("bob:staff", kPasswd, kGroup);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->uid, 1000u);
  EXPECT_EQ(u->gid, 50u);
  EXPECT_TRUE(u->additional_gids.empty());
  auto n = ResolveUser("svc:29", kPasswd, kGroup);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->gid, 29u);
}

TEST(ContainerUser, UnknownNamesAreDockersErrors) {
  auto u = ResolveUser("nobody", kPasswd, kGroup);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().What(), "unable to find user nobody: no matching entries in passwd file");
  auto g = ResolveUser("bob:wheel", kPasswd, kGroup);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().What(), "unable to find group wheel: no matching entries in group file");
}

class InRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-inroot-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    outside_ = root_ + ".outside";
    ASSERT_TRUE(MkdirAll(root_ + "/etc", 0755));
    ASSERT_TRUE(MkdirAll(outside_, 0755));
  }
  void TearDown() override {
    (void)RemoveAll(root_);
    (void)RemoveAll(outside_);
  }
  std::string root_, outside_;
};

TEST_F(InRoot, ReadsFilesAndKeepsLinksInside) {
  ASSERT_TRUE(WriteFileAtomic(root_ + "/etc/real", "inside\n"));
  ASSERT_TRUE(WriteFileAtomic(outside_ + "/passwd", "outside\n"));
  // An absolute link resolves inside the root, never to the host's file.
  ASSERT_EQ(::symlink((outside_ + "/passwd").c_str(), (root_ + "/etc/passwd").c_str()), 0);
  ASSERT_EQ(::symlink("/etc/real", (root_ + "/etc/group").c_str()), 0);
  auto p = ReadFileInRoot(root_, "/etc/passwd");
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "");  // dangling inside the root: as if absent
  auto g = ReadFileInRoot(root_, "/etc/group");
  ASSERT_TRUE(g);
  EXPECT_EQ(*g, "inside\n");
  EXPECT_EQ(ReadFileInRoot(root_, "/etc/missing").value(), "");
}

TEST_F(InRoot, MkdirAllStaysInside) {
  ASSERT_TRUE(MkdirAllInRoot(root_, "/a/b/c"));
  struct stat st {};
  EXPECT_EQ(::stat((root_ + "/a/b/c").c_str(), &st), 0);
  // A link to a host path resolves inside the root, where it dangles: an
  // error, and nothing is made outside.
  ASSERT_EQ(::symlink(outside_.c_str(), (root_ + "/escape").c_str()), 0);
  EXPECT_FALSE(MkdirAllInRoot(root_, "/escape/x"));
  EXPECT_NE(::stat((outside_ + "/x").c_str(), &st), 0);
  // A link inside the root is followed.
  ASSERT_EQ(::symlink("/a/b", (root_ + "/ab").c_str()), 0);
  ASSERT_TRUE(MkdirAllInRoot(root_, "/ab/d"));
  EXPECT_EQ(::stat((root_ + "/a/b/d").c_str(), &st), 0);
  ASSERT_TRUE(MkdirAllInRoot(root_, "/../../up"));
  EXPECT_EQ(::stat((root_ + "/up").c_str(), &st), 0);
}

}  // namespace
}  // namespace berth::engine
