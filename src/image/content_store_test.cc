#include "image/content_store.h"

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace berth::image {
namespace {

class ContentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-cs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)RemoveAll(dir_); }
  int Entries(const std::string& sub) {
    int n = 0;
    if (DIR* d = ::opendir((dir_ + "/" + sub).c_str())) {
      while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
      ::closedir(d);
    }
    return n;
  }
  std::string dir_;
};

TEST_F(ContentStoreTest, StoresOnlyVerifiedBlobs) {
  auto cs = ContentStore::Open(dir_);
  ASSERT_TRUE(cs) << cs.error().What();
  std::string data(300000, 'z');
  Digest d = Sha256Of(data);
  auto w = cs->Writer(d, static_cast<int64_t>(data.size()));
  ASSERT_TRUE(w);
  for (size_t i = 0; i < data.size(); i += 4096)
    ASSERT_TRUE(w->Write(std::string_view(data).substr(i, 4096)));
  EXPECT_FALSE(cs->Exists(d));  // not visible before commit
  ASSERT_TRUE(w->Commit());
  EXPECT_TRUE(cs->Exists(d));
  EXPECT_EQ(*cs->Read(d), data);
  EXPECT_EQ(*cs->Size(d), 300000);
  EXPECT_EQ(Entries("ingest"), 0);
  struct stat st;
  ASSERT_EQ(::stat(cs->PathOf(d).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ContentStoreTest, WrongDigestOrSizeIsNeverStored) {
  auto cs = ContentStore::Open(dir_);
  ASSERT_TRUE(cs);
  Digest d = Sha256Of("the real content");
  {
    auto w = cs->Writer(d, 16);
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->Write("tampered content"));
    auto st = w->Commit();
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().What().find("digest mismatch"), std::string::npos);
    EXPECT_NE(st.error().What().find(d.String()), std::string::npos);
  }
  {
    auto w = cs->Writer(d, 5);
    ASSERT_TRUE(w);
    auto st = w->Write("the real content");
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().What().find("size mismatch"), std::string::npos);
    EXPECT_FALSE(w->Commit());
  }
  {
    auto w = cs->Writer(d, 100);
    ASSERT_TRUE(w->Write("the real content"));
    auto st = w->Commit();
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().What().find("got 16, want 100"), std::string::npos);
  }
  { auto w = cs->Writer(d, -1); }  // abandoned: the destructor cleans up
  EXPECT_FALSE(cs->Exists(d));
  EXPECT_EQ(Entries("ingest"), 0);
  EXPECT_EQ(Entries("blobs/sha256"), 0);
  Digest sha512;
  sha512.algorithm = "sha512";
  sha512.hex = std::string(128, 'a');
  EXPECT_FALSE(cs->Writer(sha512, 1));
}

TEST_F(ContentStoreTest, AKilledWriterLeavesOnlyAnIngestFileThatStartupRemoves) {
  auto cs = ContentStore::Open(dir_);
  ASSERT_TRUE(cs);
  Digest d = Sha256Of("half");
  pid_t pid = ::fork();
  if (pid == 0) {
    auto w = cs->Writer(d, 4);
    (void)w->Write("ha");
    ::kill(::getpid(), SIGKILL);  // dies mid-write, no destructor runs
    ::_exit(1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(cs->Exists(d));
  EXPECT_EQ(Entries("ingest"), 1);
  auto n = ContentStore::Open(dir_)->CleanupIngests();
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(Entries("ingest"), 0);
  // The pull can be redone.
  EXPECT_TRUE(cs->Put(d, "half"));
  EXPECT_TRUE(cs->Exists(d));
}

TEST_F(ContentStoreTest, AFullDiskFailsCleanly) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  // A 256 KiB tmpfs in a child with its own mount namespace, so that nothing
  // is mounted on the host.
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0) ::_exit(10);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(11);
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=256k") != 0) ::_exit(12);
    auto cs = ContentStore::Open(dir_);
    if (!cs) ::_exit(13);
    std::string big(1 << 20, 'x');
    Digest d = Sha256Of(big);
    auto w = cs->Writer(d, static_cast<int64_t>(big.size()));
    if (!w) ::_exit(14);
    auto st = w->Write(big);
    if (st) ::_exit(15);  // must fail
    if (st.error().code() != ENOSPC) ::_exit(16);
    w->Abort();
    if (cs->Exists(d)) ::_exit(17);
    DIR* ingest = ::opendir((dir_ + "/ingest").c_str());
    int n = 0;
    while (dirent* e = ::readdir(ingest)) n += e->d_name[0] != '.';
    ::_exit(n == 0 ? 0 : 18);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace berth::image
