#include "image/image_store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace berth::image {
namespace {

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-imgdb-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)RemoveAll(dir_); }
  ImageStore OpenStore() {
    auto db = SqliteDb::Open(dir_ + "/berth.db");
    EXPECT_TRUE(db) << db.error().What();
    auto s = ImageStore::Open(std::shared_ptr<SqliteDb>(std::move(*db)));
    EXPECT_TRUE(s) << s.error().What();
    return std::move(*s);
  }
  static ImageRecord Record(const std::string& name) {
    ImageRecord r;
    r.id = Sha256Of("config " + name);
    r.target = Sha256Of("manifest " + name);
    r.target_media_type = "application/vnd.oci.image.manifest.v1+json";
    r.top_chain = Sha256Of("chain " + name);
    r.blobs = {r.target, r.id, Sha256Of("layer " + name)};
    r.size = 1234;
    r.created = 1700000000;
    return r;
  }
  std::string dir_;
};

TEST_F(ImageStoreTest, RecordsSurviveReopenInWalMode) {
  ImageRecord a = Record("a");
  {
    ImageStore s = OpenStore();
    ASSERT_TRUE(s.PutImage(a));
    ASSERT_TRUE(s.SetTag("docker.io/library/a:latest", a.id));
  }
  auto db = SqliteDb::Open(dir_ + "/berth.db");
  ASSERT_TRUE(db);
  auto mode = (*db)->Query("PRAGMA journal_mode");
  ASSERT_TRUE(mode);
  EXPECT_EQ((*mode)[0].Text(0), "wal");
  ImageStore s = OpenStore();
  auto got = s.GetImage(a.id);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->target, a.target);
  EXPECT_EQ((*got)->top_chain, a.top_chain);
  EXPECT_EQ((*got)->blobs, a.blobs);
  EXPECT_EQ((*got)->size, 1234);
  EXPECT_GT((*got)->pulled, 0);
  auto tag = s.ResolveTag("docker.io/library/a:latest");
  ASSERT_TRUE(tag && *tag);
  EXPECT_EQ(**tag, a.id);
}

TEST_F(ImageStoreTest, TagsMoveAndDeleteWithTheirImage) {
  ImageStore s = OpenStore();
  ImageRecord a = Record("a"), b = Record("b");
  ASSERT_TRUE(s.PutImage(a));
  ASSERT_TRUE(s.PutImage(b));
  auto prev = s.SetTag("x:1", a.id);
  ASSERT_TRUE(prev);
  EXPECT_FALSE(*prev);
  prev = s.SetTag("x:1", b.id);
  ASSERT_TRUE(prev && *prev);
  EXPECT_EQ(**prev, a.id);
  ASSERT_TRUE(s.SetTag("x:2", b.id));
  EXPECT_EQ(*s.TagsOf(b.id), (std::vector<std::string>{"x:1", "x:2"}));
  EXPECT_TRUE(s.TagsOf(a.id)->empty());
  EXPECT_EQ(*s.DeleteTag("x:2"), true);
  EXPECT_EQ(*s.DeleteTag("x:2"), false);
  ASSERT_TRUE(s.DeleteImage(b.id));
  EXPECT_FALSE(*s.ResolveTag("x:1"));
  EXPECT_FALSE(*s.GetImage(b.id));
  EXPECT_EQ(s.ListImages()->size(), 1u);
}

TEST_F(ImageStoreTest, FindsImagesByShortId) {
  ImageStore s = OpenStore();
  ImageRecord a = Record("a");
  ASSERT_TRUE(s.PutImage(a));
  auto found = s.FindByIdPrefix(a.id.hex.substr(0, 5));
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0], a.id);
  EXPECT_TRUE(s.FindByIdPrefix("zz'; DROP TABLE images; --")->empty());
  EXPECT_EQ(s.ListImages()->size(), 1u);
}

TEST_F(ImageStoreTest, LeasesAreRootsUntilDeletedOrExpired) {
  ImageStore s = OpenStore();
  auto lease = s.CreateLease();
  ASSERT_TRUE(lease);
  Digest blob = Sha256Of("in flight"), layer = Sha256Of("layer in flight");
  ASSERT_TRUE(s.LeaseAdd(*lease, LeaseKind::kBlob, blob));
  ASSERT_TRUE(s.LeaseAdd(*lease, LeaseKind::kLayer, layer));
  auto roots = s.GcRoots();
  ASSERT_TRUE(roots);
  EXPECT_EQ(roots->blobs, std::vector<Digest>{blob});
  EXPECT_EQ(roots->layers, std::vector<Digest>{layer});
  ASSERT_TRUE(s.DeleteLease(*lease));
  EXPECT_TRUE(s.GcRoots()->blobs.empty());

  auto l2 = s.CreateLease();
  ASSERT_TRUE(s.LeaseAdd(*l2, LeaseKind::kBlob, blob));
  EXPECT_EQ(*s.ExpireLeases(), 1);
  EXPECT_TRUE(s.GcRoots()->blobs.empty());
}

// A process killed in the middle of a transaction leaves the database as
// it was before the transaction.
TEST_F(ImageStoreTest, KilledMidTransactionLeavesNoHalfRecord) {
  { ImageStore s = OpenStore(); }
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto db = SqliteDb::Open(dir_ + "/berth.db");
    if (!db) ::_exit(2);
    auto& d = **db;
    (void)d.InTransaction([&]() -> Status {
      (void)d.Exec("INSERT INTO images VALUES ('sha256:aa', 't', 'm', NULL, 1, 1, 1)");
      ::kill(::getpid(), SIGKILL);
      return Ok();
    });
    ::_exit(3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  ImageStore s = OpenStore();
  auto rows = s.ListImages();
  ASSERT_TRUE(rows) << rows.error().What();
  EXPECT_TRUE(rows->empty());
}

}  // namespace
}  // namespace berth::image
