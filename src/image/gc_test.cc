#include "image/gc.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace berth::image {
namespace {

class GcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-gc-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto db = SqliteDb::Open(dir_ + "/berth.db");
    ASSERT_TRUE(db);
    auto s = ImageStore::Open(std::shared_ptr<SqliteDb>(std::move(*db)));
    ASSERT_TRUE(s);
    images_.emplace(std::move(*s));
    auto cs = ContentStore::Open(dir_);
    ASSERT_TRUE(cs);
    content_.emplace(std::move(*cs));
    auto sn = Snapshotter::Open(dir_ + "/snapshots");
    ASSERT_TRUE(sn);
    snaps_.emplace(std::move(*sn));
  }
  void TearDown() override { (void)RemoveAll(dir_); }

  Digest Blob(const std::string& data) {
    Digest d = Sha256Of(data);
    EXPECT_TRUE(content_->Put(d, data));
    return d;
  }
  Digest Layer(const Digest* parent, const std::string& name) {
    auto st = snaps_->PrepareLayer();
    EXPECT_TRUE(st);
    EXPECT_TRUE(WriteFileAtomic(st->dir + "/" + name, name));
    Digest diff = Sha256Of(name);
    Digest chain = parent ? Sha256Of(parent->String() + " " + diff.String()) : diff;
    EXPECT_TRUE(snaps_->CommitLayer(std::move(*st), chain, parent));
    return chain;
  }
  ImageRecord Image(const std::string& name, Digest top, std::vector<Digest> blobs) {
    ImageRecord r;
    r.id = Sha256Of("config " + name);
    r.target = blobs.at(0);
    r.target_media_type = "application/vnd.oci.image.manifest.v1+json";
    r.top_chain = top;
    r.blobs = std::move(blobs);
    EXPECT_TRUE(images_->PutImage(r));
    return r;
  }

  std::string dir_;
  std::optional<ImageStore> images_;
  std::optional<ContentStore> content_;
  std::optional<Snapshotter> snaps_;
};

TEST_F(GcTest, RemovesOnlyWhatNothingReferences) {
  // Two images over one shared base layer, each with its own top layer.
  Digest base = Layer(nullptr, "base");
  Digest top_a = Layer(&base, "a"), top_b = Layer(&base, "b");
  Digest shared = Blob("shared base layer blob");
  ImageRecord a = Image("a", top_a, {Blob("manifest a"), Blob("config a"), shared, Blob("la")});
  ImageRecord b = Image("b", top_b, {Blob("manifest b"), Blob("config b"), shared, Blob("lb")});
  Digest orphan = Blob("nobody's");
  Digest orphan_layer = Layer(nullptr, "orphan");

  auto st = CollectGarbage(*images_, *content_, *snaps_);
  ASSERT_TRUE(st) << st.error().What();
  EXPECT_EQ(st->blobs_removed, 1);
  EXPECT_EQ(st->layers_removed, 1);
  EXPECT_EQ(st->bytes_freed, 8);
  EXPECT_FALSE(content_->Exists(orphan));
  EXPECT_FALSE(snaps_->HasLayer(orphan_layer));

  // Removing image a frees its own blobs and top layer, not the shared ones.
  ASSERT_TRUE(images_->DeleteImage(a.id));
  st = CollectGarbage(*images_, *content_, *snaps_);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->blobs_removed, 3);
  EXPECT_EQ(st->layers_removed, 1);
  EXPECT_FALSE(snaps_->HasLayer(top_a));
  EXPECT_TRUE(snaps_->HasLayer(base));
  EXPECT_TRUE(snaps_->HasLayer(top_b));
  EXPECT_TRUE(content_->Exists(shared));
  for (const Digest& d : b.blobs) EXPECT_TRUE(content_->Exists(d));
  EXPECT_FALSE(content_->Exists(a.blobs[0]));
}

TEST_F(GcTest, PullInProgressIsProtectedByItsLease) {
  auto lease = images_->CreateLease();
  ASSERT_TRUE(lease);
  // The pull names what it will write before writing it.
  Digest base_diff = Sha256Of("base");
  ASSERT_TRUE(images_->LeaseAdd(*lease, LeaseKind::kLayer, base_diff));
  Digest blob = Sha256Of("downloading");
  ASSERT_TRUE(images_->LeaseAdd(*lease, LeaseKind::kBlob, blob));
  ASSERT_TRUE(content_->Put(blob, "downloading"));
  Digest base = Layer(nullptr, "base");
  ASSERT_EQ(base, base_diff);

  auto st = CollectGarbage(*images_, *content_, *snaps_);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->blobs_removed + st->layers_removed, 0);
  EXPECT_TRUE(content_->Exists(blob));
  EXPECT_TRUE(snaps_->HasLayer(base));

  // A daemon restart expires the dead pull's lease; then GC reclaims it.
  ASSERT_TRUE(images_->ExpireLeases());
  st = CollectGarbage(*images_, *content_, *snaps_);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->blobs_removed, 1);
  EXPECT_EQ(st->layers_removed, 1);
}

TEST_F(GcTest, ContainerLayersAreKeptWithTheirAncestors) {
  Digest base = Layer(nullptr, "base");
  Digest top = Layer(&base, "top");
  std::vector<Digest> in_use{top};
  auto st = CollectGarbage(*images_, *content_, *snaps_, in_use);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->layers_removed, 0);
  EXPECT_TRUE(snaps_->HasLayer(base));
}

}  // namespace
}  // namespace berth::image
