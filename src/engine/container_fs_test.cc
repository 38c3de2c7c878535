#include "engine/container_fs.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "base/fs.h"
#include "engine/tree_tar.h"

namespace berth::engine {
namespace {

TEST(CpPathTest, ParsesDockerPaths) {
  CpPath p = ParseCpPath("etc/passwd");
  EXPECT_EQ(p.Abs(), "/etc/passwd");
  EXPECT_FALSE(p.trailing);
  EXPECT_EQ(p.BaseName(), "passwd");
  p = ParseCpPath("/etc/");
  EXPECT_TRUE(p.trailing);
  EXPECT_FALSE(p.dot);
  EXPECT_EQ(p.BaseName(), "etc");
  p = ParseCpPath("/etc/.");
  EXPECT_TRUE(p.dot);
  EXPECT_EQ(p.BaseName(), ".");
  p = ParseCpPath("/../../a/./b/../c");
  EXPECT_EQ(p.Abs(), "/a/c");
  EXPECT_EQ(ParseCpPath("/").Abs(), "/");
  EXPECT_EQ(ParseCpPath("/").BaseName(), "/");
}

TEST(CpPathTest, GoFileModeBits) {
  EXPECT_EQ(GoFileMode(S_IFREG | 0644), 0644u);
  EXPECT_EQ(GoFileMode(S_IFDIR | 0755), (1u << 31) | 0755);
  EXPECT_EQ(GoFileMode(S_IFLNK | 0777), (1u << 27) | 0777);
  EXPECT_EQ(GoFileMode(S_IFREG | S_ISUID | 0755), (1u << 23) | 0755);
}

class ContainerFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-cpfs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    root_ = dir_ + "/root";
    ASSERT_EQ(::mkdir(root_.c_str(), 0755), 0);
    // A host file the container's links try to reach.
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/canary", "host"));
    ASSERT_EQ(::mkdir(P("etc").c_str(), 0755), 0);
    ASSERT_TRUE(WriteFileAtomic(P("etc/passwd"), "container"));
    ASSERT_TRUE(WriteFileAtomic(P("canary"), "inside"));
    ASSERT_EQ(::symlink("/", P("toroot").c_str()), 0);
    ASSERT_EQ(::symlink("../../../..", P("up").c_str()), 0);
    ASSERT_EQ(::symlink(dir_.c_str(), P("hostdir").c_str()), 0);
    ASSERT_EQ(::symlink("etc/passwd", P("pw").c_str()), 0);
    rootfd_.Reset(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(rootfd_);
  }
  void TearDown() override { (void)RemoveAll(dir_); }
  std::string P(const std::string& rel) { return root_ + "/" + rel; }

  // The contents of the file `path` names when read, or "" when absent.
  std::string Read(const std::string& path) {
    auto t = ResolveForRead(rootfd_.get(), ParseCpPath(path));
    if (!t) return "";
    UniqueFd fd(::openat(t->dirfd.get(), t->name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return "";
    char buf[64];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

  std::string dir_, root_;
  UniqueFd rootfd_;
};

TEST_F(ContainerFsTest, LinksResolveInsideTheRoot) {
  EXPECT_EQ(Read("/toroot/canary"), "inside");
  EXPECT_EQ(Read("/up/canary"), "inside");
  EXPECT_EQ(Read("/up/up/etc/passwd"), "container");
  // An absolute host path in a link names a path in the container.
  std::string via_host = "/hostdir/canary";
  EXPECT_EQ(Read(via_host), "");
  EXPECT_EQ(ResolveForRead(rootfd_.get(), ParseCpPath(via_host)).error().code(), ENOENT);
}

TEST_F(ContainerFsTest, LastLinkIsNotFollowedUnlessTrailing) {
  auto t = ResolveForRead(rootfd_.get(), ParseCpPath("/pw"));
  ASSERT_TRUE(t);
  auto st = StatTarget(rootfd_.get(), ParseCpPath("/pw"), *t);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->mode & (1u << 27), 1u << 27);
  EXPECT_EQ(st->link_target, "/etc/passwd");
  EXPECT_EQ(st->name, "pw");
  auto up = StatTarget(rootfd_.get(), ParseCpPath("/up"),
                       *ResolveForRead(rootfd_.get(), ParseCpPath("/up")));
  ASSERT_TRUE(up);
  EXPECT_EQ(up->link_target, "/");
  auto dir = ResolveForRead(rootfd_.get(), ParseCpPath("/toroot/"));
  ASSERT_TRUE(dir);
  EXPECT_EQ(dir->name, ".");
  EXPECT_EQ(ResolveForRead(rootfd_.get(), ParseCpPath("/etc/passwd/")).error().code(), ENOTDIR);
}

TEST_F(ContainerFsTest, ExtractionPointFollowsLinksInRoot) {
  auto d = OpenDirForWrite(rootfd_.get(), ParseCpPath("/toroot"));
  ASSERT_TRUE(d);
  struct stat a, b;
  ASSERT_EQ(::fstat(d->get(), &a), 0);
  ASSERT_EQ(::stat(root_.c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(OpenDirForWrite(rootfd_.get(), ParseCpPath("/pw")).error().code(), ENOTDIR);
  EXPECT_EQ(OpenDirForWrite(rootfd_.get(), ParseCpPath("/nope")).error().code(), ENOENT);
}

TEST_F(ContainerFsTest, ReadsFilesInRootAsText) {
  EXPECT_EQ(*ReadFileInRootFd(rootfd_.get(), "/toroot/etc/passwd"), "container");
  EXPECT_EQ(*ReadFileInRootFd(rootfd_.get(), "/etc/group"), "");
}

std::vector<std::string> Names(const std::string& tar) {
  std::vector<std::string> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) out.push_back(archive_entry_pathname(e));
  archive_read_free(a);
  return out;
}

std::string TarOf(int dirfd, const std::string& name, const std::string& as,
                  TreeTarOptions o = {}) {
  std::string out;
  auto st = WriteEntryTar(
      dirfd, name, as,
      [&](std::string_view d) -> Status {
        out.append(d);
        return Ok();
      },
      o);
  EXPECT_TRUE(st) << st.error().What();
  return out;
}

TEST_F(ContainerFsTest, EntryTarIsRebasedOnTheAskedName) {
  auto t = ResolveForRead(rootfd_.get(), ParseCpPath("/etc"));
  ASSERT_TRUE(t);
  EXPECT_EQ(Names(TarOf(t->dirfd.get(), t->name, "etc")),
            (std::vector<std::string>{"etc/", "etc/passwd"}));
  auto dot = ResolveForRead(rootfd_.get(), ParseCpPath("/etc/."));
  ASSERT_TRUE(dot);
  EXPECT_EQ(Names(TarOf(dot->dirfd.get(), dot->name, ".")),
            (std::vector<std::string>{"./", "./passwd"}));
  auto link = ResolveForRead(rootfd_.get(), ParseCpPath("/pw"));
  ASSERT_TRUE(link);
  EXPECT_EQ(Names(TarOf(link->dirfd.get(), link->name, "pw")), (std::vector<std::string>{"pw"}));
}

TEST_F(ContainerFsTest, OverlayWhiteoutsBecomeLayerWhiteouts) {
  if (::mknod(P("etc/gone").c_str(), S_IFCHR | 0600, makedev(0, 0)) != 0)
    GTEST_SKIP() << "mknod needs root";
  ASSERT_EQ(::mkdir(P("opq").c_str(), 0755), 0);
  if (::setxattr(P("opq").c_str(), "trusted.overlay.opaque", "y", 1, 0) != 0)
    GTEST_SKIP() << "trusted xattrs need root";
  UniqueFd dir(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  auto names = Names(TarOf(dir.get(), "", ""));
  auto has = [&](const std::string& n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  // Only when asked for: export keeps the device as it is.
  EXPECT_TRUE(has("etc/gone"));
  EXPECT_FALSE(has("etc/.wh.gone"));
  EXPECT_FALSE(has("opq/.wh..wh..opq"));
  names = Names(TarOf(dir.get(), ".", "", {.overlay_whiteouts = true}));
  EXPECT_FALSE(has("etc/gone"));
  EXPECT_TRUE(has("etc/.wh.gone"));
  EXPECT_TRUE(has("opq/.wh..wh..opq"));
}

}  // namespace
}  // namespace berth::engine
