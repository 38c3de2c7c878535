#include "engine/container_store.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace berth::engine {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-ctrstore-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto db = image::SqliteDb::Open(dir_ + "/berth.db");
    ASSERT_TRUE(db) << db.error().What();
    db_ = std::shared_ptr<image::SqliteDb>(std::move(*db));
    auto s = ContainerStore::Open(db_);
    ASSERT_TRUE(s);
    store_.emplace(std::move(*s));
  }
  void TearDown() override { (void)RemoveAll(dir_); }

  static ContainerRecord Rec(char c, const std::string& name) {
    ContainerRecord r;
    r.id = std::string(63, c) + "0";
    r.name = name;
    r.image_id = "sha256:" + std::string(64, 'f');
    r.image_ref = "busybox";
    r.created = std::string("2026-01-01T00:00:0") + c + "Z";
    r.config = {{"Image", "busybox"}};
    r.host_config = {{"AutoRemove", false}};
    r.snapshot_key = "ctr-" + name;
    r.bundle_dir = "/var/lib/berth/containers/" + r.id;
    return r;
  }

  std::string dir_;
  std::shared_ptr<image::SqliteDb> db_;
  std::optional<ContainerStore> store_;
};

TEST_F(StoreTest, CreateGetUpdateDelete) {
  ContainerRecord r = Rec('a', "/web");
  ASSERT_TRUE(store_->Create(r));
  auto got = store_->Get(r.id);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->name, "web");  // stored without the slash
  EXPECT_EQ((*got)->config, r.config);
  EXPECT_EQ((*got)->state.status, ContainerStatus::kCreated);

  ContainerState st;
  st.status = ContainerStatus::kExited;
  st.pid = 0;
  st.exit_code = 137;
  st.oom_killed = true;
  st.started_at = "2026-01-01T00:00:01Z";
  st.finished_at = "2026-01-01T00:00:02Z";
  st.restart_count = 2;
  ASSERT_TRUE(store_->SetState(r.id, st));
  got = store_->Get(r.id);
  EXPECT_EQ((*got)->state.exit_code, 137);
  EXPECT_TRUE((*got)->state.oom_killed);
  EXPECT_EQ((*got)->state.restart_count, 2);
  EXPECT_EQ(std::string(StatusName((*got)->state.status)), "exited");

  r.log_path = "/x.log";
  ASSERT_TRUE(store_->Update(r));
  EXPECT_EQ((*store_->Get(r.id))->log_path, "/x.log");

  ASSERT_TRUE(store_->Delete(r.id));
  EXPECT_FALSE(*store_->Get(r.id));
  auto again = store_->Delete(r.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ENOENT);
  EXPECT_EQ(store_->SetState(r.id, st).error().code(), ENOENT);
}

TEST_F(StoreTest, NamesAreUniqueWithDockersConflictMessage) {
  ContainerRecord a = Rec('a', "web");
  ASSERT_TRUE(store_->Create(a));
  auto dup = store_->Create(Rec('b', "/web"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), EEXIST);
  EXPECT_EQ(dup.error().What(),
            "Conflict. The container name \"/web\" is already in use by container \"" + a.id +
                "\". You have to remove (or rename) that container to be able to reuse that name.");
  EXPECT_FALSE(*store_->Get(Rec('b', "web").id));  // nothing half-made

  ASSERT_TRUE(store_->Create(Rec('b', "db")));
  EXPECT_EQ(store_->Rename(Rec('b', "").id, "web").error().code(), EEXIST);
  ASSERT_TRUE(store_->Rename(a.id, "/front"));
  ASSERT_TRUE(store_->Rename(Rec('b', "").id, "web"));
  EXPECT_EQ(store_->Lookup("web")->id, Rec('b', "").id);
  EXPECT_EQ(store_->Create(Rec('a', "other")).error().code(), EEXIST);  // same ID
}

TEST_F(StoreTest, LookupByIdNameOrUniquePrefix) {
  ContainerRecord a = Rec('a', "alpha");
  ContainerRecord b = Rec('b', "beta");
  ContainerRecord ab = Rec('a', "gamma");
  ab.id = std::string(10, 'a') + std::string(54, 'c');
  ASSERT_TRUE(store_->Create(a));
  ASSERT_TRUE(store_->Create(b));
  ASSERT_TRUE(store_->Create(ab));
  EXPECT_EQ(store_->Lookup(a.id)->name, "alpha");
  EXPECT_EQ(store_->Lookup("beta")->id, b.id);
  EXPECT_EQ(store_->Lookup("/beta")->id, b.id);
  EXPECT_EQ(store_->Lookup("bbbb")->id, b.id);
  EXPECT_EQ(store_->Lookup("aaaaaaaaaaaa")->id, a.id);  // 12 a's: only `a`
  auto amb = store_->Lookup("aaaa");
  ASSERT_FALSE(amb);
  EXPECT_EQ(amb.error().code(), EINVAL);
  EXPECT_EQ(amb.error().What(), "multiple IDs found with provided prefix: aaaa");
  auto none = store_->Lookup("nosuch");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ENOENT);
  EXPECT_EQ(none.error().What(), "No such container: nosuch");
  EXPECT_EQ(store_->Lookup("%").error().code(), ENOENT);

  auto all = store_->List();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].name, "beta");  // newest first
}

TEST_F(StoreTest, RecordsSurviveReopening) {
  ASSERT_TRUE(store_->Create(Rec('a', "keep")));
  store_.reset();
  db_.reset();
  auto db = image::SqliteDb::Open(dir_ + "/berth.db");
  ASSERT_TRUE(db);
  auto s = ContainerStore::Open(std::shared_ptr<image::SqliteDb>(std::move(*db)));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->Lookup("keep")->image_ref, "busybox");
}

TEST_F(StoreTest, RefusesBadIds) {
  ContainerRecord r = Rec('a', "x1");
  r.id = "short";
  EXPECT_FALSE(store_->Create(r));
}

}  // namespace
}  // namespace berth::engine
