#include "engine/container_changes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace berth::engine {
namespace {

class ChangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-changes-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    for (const char* d : {"/l0", "/l1", "/upper"}) ASSERT_EQ(::mkdir((dir_ + d).c_str(), 0755), 0);
  }
  void TearDown() override { (void)RemoveAll(dir_); }

  std::string P(const std::string& rel) { return dir_ + "/" + rel; }
  void Dir(const std::string& rel) { ASSERT_TRUE(MkdirAll(P(rel), 0755)); }
  void File(const std::string& rel, const std::string& data = "x") {
    ASSERT_TRUE(WriteFileAtomic(P(rel), data, 0644));
  }
  void Link(const std::string& rel, const std::string& target) {
    ASSERT_EQ(::symlink(target.c_str(), P(rel).c_str()), 0);
  }
  // An overlay whiteout; needs CAP_MKNOD.
  void Whiteout(const std::string& rel) {
    ASSERT_EQ(::mknod(P(rel).c_str(), S_IFCHR | 0600, makedev(0, 0)), 0) << rel;
  }
  // Marks a directory opaque, as overlay does (trusted.*, needing
  // CAP_SYS_ADMIN) or as an unprivileged overlay mount does (user.*).
  bool Opaque(const std::string& rel) {
    return ::lsetxattr(P(rel).c_str(), "trusted.overlay.opaque", "y", 1, 0) == 0 ||
           ::lsetxattr(P(rel).c_str(), "user.overlay.opaque", "y", 1, 0) == 0;
  }

  std::string Changes() {
    auto c = ContainerChanges({P("l1"), P("l0")}, P("upper"));
    EXPECT_TRUE(c) << c.error().What();
    if (!c) return "";
    std::string out;
    for (const Change& ch : *c) out += "CAD"[ch.kind] + std::string(" ") + ch.path + "\n";
    return out;
  }

  std::string dir_;
};

TEST_F(ChangesTest, AddedModifiedAndTheirParents) {
  Dir("l0/etc");
  File("l0/etc/passwd");
  Dir("l0/var/lib");
  Dir("l1/etc");
  File("l1/etc/hostname");
  // The container: echo x >> /etc/passwd; touch /newfile; mkdir -p /a/b;
  // touch /var/lib/t; ln -s /etc /var/lib/l (overlay copied the parents up).
  Dir("upper/etc");
  File("upper/etc/passwd", "x\nx\n");
  File("upper/newfile");
  Dir("upper/a/b");
  Dir("upper/var/lib");
  File("upper/var/lib/t");
  Link("upper/var/lib/l", "/etc");
  File("upper/etc/hostname");  // the init layer's file, changed
  EXPECT_EQ(Changes(),
            "A /a\n"
            "A /a/b\n"
            "C /etc\n"
            "C /etc/hostname\n"
            "C /etc/passwd\n"
            "A /newfile\n"
            "C /var\n"
            "C /var/lib\n"
            "A /var/lib/l\n"
            "A /var/lib/t\n");
}

TEST_F(ChangesTest, SymlinksAreNeverFollowed) {
  Dir("l0/etc");
  File("l0/etc/passwd");
  // A link to the host's root in the upper dir, and a layer dir the upper
  // replaced by a link: neither is walked.
  Link("upper/escape", "/");
  Link("upper/etc", "/etc");
  EXPECT_EQ(Changes(), "A /escape\nC /etc\n");
}

TEST_F(ChangesTest, WhiteoutsAndOpaqueDirectoriesAsDockerdReportsThem) {
  if (::geteuid() != 0) GTEST_SKIP() << "whiteouts need mknod (root)";
  Dir("l0/bin");
  File("l0/bin/busybox");
  Link("l0/bin/true", "busybox");
  Dir("l0/usr/share/x");
  File("l0/usr/share/x/f");
  Dir("l0/usr/share/x/sub");
  File("l0/usr/share/x/sub/deep");
  // The container: rm /bin/true; rm -rf /usr/share/x; mkdir /usr/share/x;
  // echo n > /usr/share/x/new.
  Dir("upper/bin");
  Whiteout("upper/bin/true");
  Dir("upper/usr/share/x");
  if (!Opaque("upper/usr/share/x")) GTEST_SKIP() << "no trusted or user xattrs here";
  File("upper/usr/share/x/new");
  // dockerd lists what the opaque directory hides as deleted (a hidden
  // directory as one entry), and its new content as added.
  EXPECT_EQ(Changes(),
            "C /bin\n"
            "D /bin/true\n"
            "C /usr\n"
            "C /usr/share\n"
            "C /usr/share/x\n"
            "D /usr/share/x/f\n"
            "A /usr/share/x/new\n"
            "D /usr/share/x/sub\n");
}

TEST_F(ChangesTest, LowerLayersWhiteoutsAndOpaqueDirsHideDeeperLayers) {
  if (::geteuid() != 0) GTEST_SKIP() << "whiteouts need mknod (root)";
  // l0 has /opt/old and /srv/s; l1 deletes /opt/old and empties /srv.
  Dir("l0/opt");
  File("l0/opt/old");
  File("l0/opt/kept");
  Dir("l0/srv");
  File("l0/srv/s");
  Dir("l1/opt");
  Whiteout("l1/opt/old");
  Dir("l1/srv");
  if (!Opaque("l1/srv")) GTEST_SKIP() << "no trusted or user xattrs here";
  // The container makes both again, and changes the file l1 kept.
  Dir("upper/opt");
  File("upper/opt/old");
  File("upper/opt/kept");
  Dir("upper/srv");
  File("upper/srv/s");
  EXPECT_EQ(Changes(),
            "C /opt\n"
            "C /opt/kept\n"
            "A /opt/old\n"
            "C /srv\n"
            "A /srv/s\n");
}

TEST_F(ChangesTest, EmptyUpperHasNoChangesAndMissingDirsAreErrors) {
  Dir("l0/etc");
  EXPECT_EQ(Changes(), "");
  EXPECT_FALSE(ContainerChanges({P("l0")}, P("nope")));
  EXPECT_FALSE(ContainerChanges({P("nope")}, P("upper")));
}

}  // namespace
}  // namespace berth::engine
