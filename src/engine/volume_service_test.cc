#include "engine/volume_service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace berth::engine {
namespace {

class VolumeServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/berth-volumes-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    root_ = dir;
    auto db = image::SqliteDb::Open(root_ + "/berth.db");
    ASSERT_TRUE(db) << db.error().What();
    auto s = VolumeService::Open(std::shared_ptr<image::SqliteDb>(std::move(*db)), root_);
    ASSERT_TRUE(s) << s.error().What();
    svc_ = std::move(*s);
    svc_->SetUsers([this]() -> Result<VolumeUsers> { return users_; });
  }
  void TearDown() override { (void)RemoveAll(root_); }
  std::string root_;
  std::unique_ptr<VolumeService> svc_;
  VolumeUsers users_;
};

TEST_F(VolumeServiceTest, CreateGetListRemove) {
  auto v = svc_->Create({.name = "data", .labels = {{"k", "v"}}});
  ASSERT_TRUE(v) << v.error().What();
  EXPECT_EQ(v->driver, "local");
  EXPECT_FALSE(v->anonymous);
  struct stat st;
  ASSERT_EQ(::stat(svc_->DataDir("data").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  // A create of a name that exists answers the existing volume.
  auto again = svc_->Create({.name = "data"});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->labels.at("k"), "v");
  auto anon = svc_->Create({});
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->name.size(), 64u);
  EXPECT_TRUE(anon->anonymous);
  EXPECT_EQ(svc_->List()->size(), 2u);

  users_["data"] = {{std::string(64, 'a'), false}};
  auto busy = svc_->Remove("data", true);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code(), EBUSY);
  EXPECT_EQ(busy.error().message(),
            "remove data: volume is in use - [" + std::string(64, 'a') + "]");
  users_.clear();
  ASSERT_TRUE(svc_->Remove("data", false));
  EXPECT_NE(::stat((root_ + "/volumes/data").c_str(), &st), 0);
  auto gone = svc_->Get("data");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ENOENT);
  EXPECT_EQ(gone.error().message(), "get data: no such volume");
  EXPECT_TRUE(svc_->Remove("data", true));  // force: a missing volume is fine
}

TEST_F(VolumeServiceTest, RefusesBadNamesAndOptions) {
  auto slash = svc_->Create({.name = "a/b"});
  ASSERT_FALSE(slash);
  EXPECT_EQ(slash.error().code(), EINVAL);
  auto opt = svc_->Create({.name = "x1", .options = {{"bogus", "1"}}});
  ASSERT_FALSE(opt);
  EXPECT_EQ(opt.error().message(), "create x1: invalid option: \"bogus\"");
  auto driver = svc_->Create({.name = "x2", .driver = "nfs-plugin"});
  ASSERT_FALSE(driver);
  struct stat st;
  EXPECT_NE(::stat((root_ + "/volumes/x1").c_str(), &st), 0);  // nothing left behind
  EXPECT_TRUE(svc_->List()->empty());
}

TEST_F(VolumeServiceTest, PruneTakesUnusedMatchingOnes) {
  ASSERT_TRUE(svc_->Create({.name = "keep"}));
  ASSERT_TRUE(svc_->Create({.name = "used"}));
  auto anon = svc_->Create({.anonymous = true});
  ASSERT_TRUE(WriteFileAtomic(svc_->DataDir(anon->name) + "/f", "12345"));
  EXPECT_EQ(svc_->Size(anon->name), 5);
  users_["used"] = {{std::string(64, 'b'), true}};
  auto pruned = svc_->Prune([](const VolumeRecord& v) { return v.anonymous; });
  ASSERT_TRUE(pruned);
  EXPECT_EQ(pruned->first, std::vector<std::string>{anon->name});
  EXPECT_EQ(pruned->second, 5);
  auto all = svc_->Prune(nullptr);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->first, std::vector<std::string>{"keep"});
}

}  // namespace
}  // namespace berth::engine
