#include "image/snapshotter.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace berth::image {
namespace {

class SnapshotterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-snap-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (auto& m : mounts_) ::umount2(m.c_str(), MNT_DETACH);
    (void)RemoveAll(dir_);
  }
  // A committed layer holding `files` (name -> content) over `parent`.
  Digest Layer(Snapshotter& s, const Digest* parent, const std::string& name,
               const std::vector<std::pair<std::string, std::string>>& files) {
    auto st = s.PrepareLayer();
    EXPECT_TRUE(st);
    for (auto& [f, content] : files) EXPECT_TRUE(WriteFileAtomic(st->dir + "/" + f, content));
    Digest diff = Sha256Of(name);
    Digest chain = parent ? Sha256Of(parent->String() + " " + diff.String()) : diff;
    EXPECT_TRUE(s.CommitLayer(std::move(*st), chain, parent));
    return chain;
  }
  std::string Target() {
    std::string t = dir_ + "/mnt" + std::to_string(mounts_.size());
    EXPECT_EQ(::mkdir(t.c_str(), 0755), 0);
    mounts_.push_back(t);
    return t;
  }
  std::string dir_;
  std::vector<std::string> mounts_;
};

TEST(ChainId, FollowsTheImageSpec) {
  auto a = Sha256Of("layer a"), b = Sha256Of("layer b"), c = Sha256Of("layer c");
  EXPECT_EQ(ChainId(std::vector{a}), a);
  Digest ab = Sha256Of(a.String() + " " + b.String());
  EXPECT_EQ(ChainId(std::vector{a, b}), ab);
  EXPECT_EQ(ChainId(std::vector{a, b, c}), Sha256Of(ab.String() + " " + c.String()));
  EXPECT_NE(ChainId(std::vector{b, a}), ab);
}

TEST_F(SnapshotterTest, CommittedLayersChainTopmostFirst) {
  auto s = Snapshotter::Open(dir_ + "/snapshots");
  ASSERT_TRUE(s) << s.error().What();
  Digest base = Layer(*s, nullptr, "base", {{"a", "1"}});
  Digest top = Layer(*s, &base, "top", {{"b", "2"}});
  EXPECT_TRUE(s->HasLayer(base));
  EXPECT_TRUE(s->HasLayer(top));
  auto lowers = s->LowerDirs(top);
  ASSERT_TRUE(lowers);
  ASSERT_EQ(lowers->size(), 2u);
  EXPECT_EQ(*ReadFile((*lowers)[0] + "/b"), "2");
  EXPECT_EQ(*ReadFile((*lowers)[1] + "/a"), "1");
  auto all = s->Layers();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
  // A missing layer is named.
  auto missing = s->LowerDirs(Sha256Of("nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ENOENT);
}

TEST_F(SnapshotterTest, AnUnfinishedUnpackLeavesNothingAfterReopen) {
  {
    auto s = Snapshotter::Open(dir_ + "/snapshots");
    ASSERT_TRUE(s);
    auto st = s->PrepareLayer();
    ASSERT_TRUE(st);
    ASSERT_TRUE(WriteFileAtomic(st->dir + "/half", "x"));
    // The process dies here: no commit, no abort (LayerStaging removes
    // nothing on destruction).
  }
  auto s = Snapshotter::Open(dir_ + "/snapshots");
  ASSERT_TRUE(s);
  auto all = s->Layers();
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
  EXPECT_EQ(::rmdir((dir_ + "/snapshots/staging").c_str()), 0) << "staging not emptied";
}

TEST_F(SnapshotterTest, ConcurrentCommitsOfOneLayerKeepOne) {
  auto s = Snapshotter::Open(dir_ + "/snapshots");
  ASSERT_TRUE(s);
  Digest chain = Sha256Of("shared");
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; i++)
    threads.emplace_back([&] {
      auto st = s->PrepareLayer();
      if (!st) return;
      (void)WriteFileAtomic(st->dir + "/f", "same");
      if (s->CommitLayer(std::move(*st), chain, nullptr)) ok++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(*ReadFile(dir_ + "/snapshots/layers/" + chain.hex + "/fs/f"), "same");
  EXPECT_EQ(::rmdir((dir_ + "/snapshots/staging").c_str()), 0);
}

TEST_F(SnapshotterTest, ActiveSnapshotMountsLayersWithWhiteoutsAndTakesWrites) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting overlayfs needs root";
  auto s = Snapshotter::Open(dir_ + "/snapshots");
  ASSERT_TRUE(s);
  Digest base = Layer(*s, nullptr, "base", {{"keep", "k"}, {"gone", "g"}, {"over", "old"}});
  // The top layer deletes "gone" with an overlay whiteout and replaces "over".
  auto st = s->PrepareLayer();
  ASSERT_TRUE(st);
  ASSERT_EQ(::mknodat(st->dirfd.get(), "gone", S_IFCHR | 0, makedev(0, 0)), 0);
  ASSERT_TRUE(WriteFileAtomic(st->dir + "/over", "new"));
  Digest top = Sha256Of(base.String() + " " + Sha256Of("top").String());
  ASSERT_TRUE(s->CommitLayer(std::move(*st), top, &base));

  ASSERT_TRUE(s->CreateActive("ctr1"));
  std::string t = Target();
  auto m = s->MountActive("ctr1", top, t);
  ASSERT_TRUE(m) << m.error().What();
  EXPECT_EQ(*ReadFile(t + "/keep"), "k");
  EXPECT_EQ(*ReadFile(t + "/over"), "new");
  EXPECT_NE(::access((t + "/gone").c_str(), F_OK), 0);
  ASSERT_TRUE(WriteFileAtomic(t + "/written", "w"));
  EXPECT_EQ(*ReadFile(s->UpperDir("ctr1") + "/written"), "w");
  // The layers themselves are untouched by the container's writes.
  EXPECT_NE(::access((dir_ + "/snapshots/layers/" + top.hex + "/fs/written").c_str(), F_OK), 0);
  ASSERT_EQ(::umount2(t.c_str(), 0), 0);
  ASSERT_TRUE(s->RemoveActive("ctr1"));
  EXPECT_NE(::access((dir_ + "/snapshots/active/ctr1").c_str(), F_OK), 0);
}

// userns-remap: through the container's maps (0 -> 200000), the layers'
// root-owned files appear owned by 200000, a whiteout still hides, the
// upper dir's root belongs to the remapped root, and the shared layers
// keep their owners. Both ways: idmapped lowers, and the chown copies a
// kernel without idmapped layers gets.
void CheckRemappedMount(Snapshotter& s, const Digest& top, const std::string& key,
                        const std::string& target) {
  std::vector<spec::IdMapping> maps = {{.container_id = 0, .host_id = 200000, .size = 65536}};
  auto m = s.MountActiveRemapped(key, top, target, maps, maps);
  ASSERT_TRUE(m) << m.error().What();
  struct stat st;
  ASSERT_EQ(::stat((target + "/keep").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 200000u);
  EXPECT_EQ(st.st_gid, 200000u);
  EXPECT_EQ(*ReadFile(target + "/over"), "new");
  EXPECT_NE(::access((target + "/gone").c_str(), F_OK), 0);
  ASSERT_EQ(::stat(s.UpperDir(key).c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 200000u);
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 200000u);
}

TEST_F(SnapshotterTest, RemappedMountShowsLayersOwnedByTheRemappedRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting overlayfs needs root";
  auto s = Snapshotter::Open(dir_ + "/snapshots");
  ASSERT_TRUE(s);
  Digest base = Layer(*s, nullptr, "base", {{"keep", "k"}, {"gone", "g"}, {"over", "old"}});
  auto st = s->PrepareLayer();
  ASSERT_TRUE(st);
  ASSERT_EQ(::mknodat(st->dirfd.get(), "gone", S_IFCHR | 0, makedev(0, 0)), 0);
  ASSERT_TRUE(WriteFileAtomic(st->dir + "/over", "new"));
  Digest top = Sha256Of(base.String() + " " + Sha256Of("top").String());
  ASSERT_TRUE(s->CommitLayer(std::move(*st), top, &base));

  ASSERT_TRUE(s->CreateActive("idmapped"));
  CheckRemappedMount(*s, top, "idmapped", Target());
  // Idmapped: no copies were made.
  EXPECT_NE(::access((dir_ + "/snapshots/active/idmapped/lowers").c_str(), F_OK), 0);

  ::setenv("BERTH_TEST_NO_IDMAP", "1", 1);
  ASSERT_TRUE(s->CreateActive("copied"));
  CheckRemappedMount(*s, top, "copied", Target());
  ::unsetenv("BERTH_TEST_NO_IDMAP");
  struct stat cst;
  ASSERT_EQ(::stat((dir_ + "/snapshots/active/copied/lowers/1/keep").c_str(), &cst), 0);
  EXPECT_EQ(cst.st_uid, 200000u);

  // The shared layers are never chowned.
  struct stat lst;
  ASSERT_EQ(::stat((dir_ + "/snapshots/layers/" + base.hex + "/fs/keep").c_str(), &lst), 0);
  EXPECT_EQ(lst.st_uid, 0u);
}

TEST_F(SnapshotterTest, MoreLayersThanOneMountOptionStringHolds) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting overlayfs needs root";
  auto s = Snapshotter::Open(dir_ + "/snapshots");
  ASSERT_TRUE(s);
  // ~85 bytes of path per layer: 120 layers are over twice the 4096 bytes a
  // lowerdir= option can carry (overlayfs itself allows 500 lowers).
  Digest chain;
  for (int i = 0; i < 120; i++) {
    chain = Layer(*s, i ? &chain : nullptr, "l" + std::to_string(i),
                  {{"f" + std::to_string(i), std::to_string(i)}, {"top", std::to_string(i)}});
  }
  auto lowers = s->LowerDirs(chain);
  ASSERT_TRUE(lowers);
  size_t len = 0;
  for (auto& l : *lowers) len += l.size() + 1;
  EXPECT_GT(len, 4096u);
  std::string t = Target();
  auto m = s->MountReadOnly(chain, t);
  ASSERT_TRUE(m) << m.error().What();
  EXPECT_EQ(*ReadFile(t + "/f0"), "0");
  EXPECT_EQ(*ReadFile(t + "/f119"), "119");
  EXPECT_EQ(*ReadFile(t + "/top"), "119");
  // Read-only: the image itself cannot be changed through this mount.
  EXPECT_FALSE(WriteFileAtomic(t + "/x", "x"));
}

TEST_F(SnapshotterTest, RemoveLayerAndBadKeys) {
  auto s = Snapshotter::Open(dir_ + "/snapshots");
  ASSERT_TRUE(s);
  Digest l = Layer(*s, nullptr, "x", {{"a", "1"}});
  ASSERT_TRUE(s->RemoveLayer(l));
  EXPECT_FALSE(s->HasLayer(l));
  EXPECT_TRUE(s->RemoveLayer(l));  // already gone is fine
  for (const char* bad : {"", "..", "a/b", "../x"}) {
    auto r = s->CreateActive(bad);
    EXPECT_FALSE(r) << bad;
  }
}

}  // namespace
}  // namespace berth::image
