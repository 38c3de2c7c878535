#include "engine/tree_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>

#include "base/fs.h"
#include "base/unique_fd.h"

namespace berth::engine {
namespace {

struct Entry {
  unsigned type = 0;  // AE_IFREG, AE_IFDIR, ...
  unsigned perm = 0;
  int64_t uid = 0, gid = 0, mtime = 0;
  std::string data, symlink, hardlink, uname;
  unsigned rdev_major = 0, rdev_minor = 0;
  std::map<std::string, std::string> xattrs;
};

// The archive read back with libarchive, by name, in order.
std::vector<std::pair<std::string, Entry>> ReadTar(const std::string& tar) {
  std::vector<std::pair<std::string, Entry>> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    Entry x;
    x.type = archive_entry_filetype(e);
    x.perm = archive_entry_perm(e);
    x.uid = archive_entry_uid(e);
    x.gid = archive_entry_gid(e);
    x.mtime = archive_entry_mtime(e);
    if (const char* s = archive_entry_symlink(e)) x.symlink = s;
    if (const char* s = archive_entry_hardlink(e)) x.hardlink = s;
    if (const char* s = archive_entry_uname(e)) x.uname = s;
    x.rdev_major = archive_entry_rdevmajor(e);
    x.rdev_minor = archive_entry_rdevminor(e);
    archive_entry_xattr_reset(e);
    const char* name;
    const void* value;
    size_t size;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
      x.xattrs[name] = std::string(static_cast<const char*>(value), size);
    char buf[8192];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) x.data.append(buf, n);
    out.emplace_back(archive_entry_pathname(e), x);
  }
  archive_read_free(a);
  return out;
}

class TreeTarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-treetar-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    root_ = dir_ + "/root";
    ASSERT_EQ(::mkdir(root_.c_str(), 0755), 0);
  }
  void TearDown() override { (void)RemoveAll(dir_); }

  std::string P(const std::string& rel) { return root_ + "/" + rel; }

  std::string Tar() {
    UniqueFd fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    std::string out;
    auto st = WriteTreeTar(fd.get(), [&](std::string_view d) -> Status {
      out.append(d);
      return Ok();
    });
    EXPECT_TRUE(st) << st.error().What();
    return out;
  }

  std::string dir_, root_;
};

TEST_F(TreeTarTest, RoundTripsFilesDirsLinksAndMetadata) {
  ASSERT_TRUE(MkdirAll(P("etc/deep/er"), 0755));
  ASSERT_EQ(::chmod(P("etc/deep").c_str(), 0751), 0);
  ASSERT_TRUE(WriteFileAtomic(P("etc/passwd"), "root:x:0:0::/root:/bin/sh\n", 0640));
  std::string big(300000, '\0');
  for (size_t i = 0; i < big.size(); i++) big[i] = static_cast<char>(i * 7 % 251);
  ASSERT_TRUE(WriteFileAtomic(P("big"), big, 0755));
  ASSERT_TRUE(WriteFileAtomic(P("empty"), "", 0600));
  // Links are kept as links, never followed, even when they point out.
  ASSERT_EQ(::symlink("/", P("escape").c_str()), 0);
  ASSERT_EQ(::symlink("../etc/passwd", P("etc/deep/pw").c_str()), 0);
  ASSERT_EQ(::link(P("big").c_str(), P("etc/big-again").c_str()), 0);
  ASSERT_EQ(::mkfifo(P("fifo").c_str(), 0620), 0);
  ASSERT_EQ(::chmod(P("fifo").c_str(), 0620), 0);  // past the umask
  timespec times[2] = {{1600000000, 0}, {1600000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, P("etc/passwd").c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
  // A socket cannot be in a tar: left out.
  int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  P("sock").copy(sa.sun_path, sizeof sa.sun_path - 1);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ::close(s);

  auto entries = ReadTar(Tar());
  std::vector<std::string> names;
  std::map<std::string, Entry> by_name;
  for (auto& [n, e] : entries) {
    names.push_back(n);
    by_name[n] = e;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"big", "empty", "escape", "etc/", "etc/big-again",
                                             "etc/deep/", "etc/deep/er/", "etc/deep/pw",
                                             "etc/passwd", "fifo"}));
  EXPECT_EQ(by_name["big"].type, AE_IFREG);
  EXPECT_EQ(by_name["big"].perm, 0755u);
  EXPECT_EQ(by_name["big"].data, big);
  EXPECT_EQ(by_name["empty"].data, "");
  EXPECT_EQ(by_name["empty"].perm, 0600u);
  EXPECT_EQ(by_name["escape"].type, AE_IFLNK);
  EXPECT_EQ(by_name["escape"].symlink, "/");
  EXPECT_EQ(by_name["etc/deep/pw"].symlink, "../etc/passwd");
  EXPECT_EQ(by_name["etc/big-again"].hardlink, "big");
  EXPECT_EQ(by_name["etc/big-again"].data, "");
  EXPECT_EQ(by_name["etc/deep/"].type, AE_IFDIR);
  EXPECT_EQ(by_name["etc/deep/"].perm, 0751u);
  EXPECT_EQ(by_name["etc/passwd"].data, "root:x:0:0::/root:/bin/sh\n");
  EXPECT_EQ(by_name["etc/passwd"].perm, 0640u);
  EXPECT_EQ(by_name["etc/passwd"].mtime, 1600000000);
  EXPECT_EQ(by_name["fifo"].type, AE_IFIFO);
  EXPECT_EQ(by_name["fifo"].perm, 0620u);
  EXPECT_EQ(by_name["big"].uid, static_cast<int64_t>(::geteuid()));
}

TEST_F(TreeTarTest, DevicesOwnersAndFileCapabilitiesAsRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "mknod and chown need root";
  ASSERT_EQ(::mknod(P("null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(::mknod(P("blk").c_str(), S_IFBLK | 0600, makedev(7, 0)), 0);
  ASSERT_TRUE(WriteFileAtomic(P("owned"), "x", 0644));
  ASSERT_EQ(::chown(P("owned").c_str(), 1000, 1001), 0);
  ASSERT_TRUE(WriteFileAtomic(P("ping"), "x", 0755));
  // cap_net_raw+ep, as setcap writes it (VFS_CAP_REVISION_2).
  const unsigned char cap[20] = {0x01, 0, 0, 0x02, 0, 0x20, 0, 0, 0, 0x20};
  bool have_cap = ::setxattr(P("ping").c_str(), "security.capability", cap, sizeof cap, 0) == 0;

  std::map<std::string, Entry> by_name;
  for (auto& [n, e] : ReadTar(Tar())) by_name[n] = e;
  EXPECT_EQ(by_name["null"].type, AE_IFCHR);
  EXPECT_EQ(by_name["null"].rdev_major, 1u);
  EXPECT_EQ(by_name["null"].rdev_minor, 3u);
  EXPECT_EQ(by_name["blk"].type, AE_IFBLK);
  EXPECT_EQ(by_name["blk"].rdev_major, 7u);
  EXPECT_EQ(by_name["owned"].uid, 1000);
  EXPECT_EQ(by_name["owned"].gid, 1001);
  EXPECT_EQ(by_name["owned"].uname, "");
  EXPECT_EQ(by_name["null"].uname, "root");
  if (have_cap) {
    EXPECT_EQ(by_name["ping"].xattrs["security.capability"],
              std::string(reinterpret_cast<const char*>(cap), sizeof cap));
  }
}

TEST_F(TreeTarTest, EmptyTreeIsAnEmptyArchiveAndSinkErrorsStopTheWalk) {
  EXPECT_TRUE(ReadTar(Tar()).empty());
  ASSERT_TRUE(WriteFileAtomic(P("f"), std::string(100000, 'x'), 0644));
  UniqueFd fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  auto st = WriteTreeTar(fd.get(), [](std::string_view) -> Status { return Fail("disk full"); });
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().What().find("disk full"), std::string::npos) << st.error().What();
}

}  // namespace
}  // namespace berth::engine
