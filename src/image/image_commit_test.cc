// docker commit's image side: a layer tar over an image as a new image.
#include "image/image_commit.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "image/gc.h"
#include "image/image_import.h"
#include "image/test_blobs.h"

namespace berth::image {
namespace {

using nlohmann::json;
using test_blobs::CountEntries;

// A tar of regular files, path -> content, in order.
std::string Tar(const std::vector<std::pair<std::string, std::string>>& files) {
  return test_blobs::TarOfFiles(files, 0644);
}

class CommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-commit-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    content_.emplace(*ContentStore::Open(dir_));
    snaps_.emplace(*Snapshotter::Open(dir_ + "/snapshots"));
    images_.emplace(
        *ImageStore::Open(std::shared_ptr<SqliteDb>(*SqliteDb::Open(dir_ + "/berth.db"))));
    // The parent: a one-layer imported image.
    std::string base = Tar({{"etc/motd", "hi\n"}, {"bin/tool", "x"}});
    size_t off = 0;
    ReadFn read = [&](char* buf, size_t len) -> Result<size_t> {
      size_t n = std::min(len, base.size() - off);
      std::copy_n(base.data() + off, n, buf);
      off += n;
      return n;
    };
    ImportOptions io;
    io.platform = {"amd64", "linux", "", ""};
    io.message = "base";
    auto id = ImportImage(*content_, *snaps_, *images_, read, io);
    ASSERT_TRUE(id) << id.error().What();
    parent_ = **images_->GetImage(*id);
  }
  void TearDown() override { (void)RemoveAll(dir_); }

  Result<CommitResult> Commit(const std::string& tar, CommitOptions o) {
    o.parent = parent_;
    LayerSourceFn layer = [&](const LayerWriteFn& w) -> Status {
      // In pieces, as a tree walk writes it.
      for (size_t i = 0; i < tar.size(); i += 1000) TRY(w(std::string_view(tar).substr(i, 1000)));
      return Ok();
    };
    return CommitImage(*content_, *snaps_, *images_, layer, o);
  }

  std::string dir_;
  std::optional<ContentStore> content_;
  std::optional<Snapshotter> snaps_;
  std::optional<ImageStore> images_;
  ImageRecord parent_;
};

TEST_F(CommitTest, LayerOverTheParentWithConfigHistoryAndTag) {
  // A whiteout too where it can be made (an overlay whiteout is a device).
  std::vector<std::pair<std::string, std::string>> files = {{"added.txt", "new\n"}};
  if (::geteuid() == 0) files.push_back({"etc/.wh.motd", ""});
  std::string tar = Tar(files);
  CommitOptions o;
  o.config = {{"Cmd", {"cat", "/added.txt"}}, {"Env", {"A=1"}}};
  o.container_config = {{"Cmd", {"sh"}}};
  o.container_id = std::string(64, 'c');
  o.author = "Jane";
  o.comment = "msg";
  o.created_by = "sh -c x";
  o.tag = "docker.io/library/new:1";
  auto r = Commit(tar, o);
  ASSERT_TRUE(r) << r.error().What();

  EXPECT_EQ(*images_->ResolveTag("docker.io/library/new:1"), std::optional(r->id));
  json c = json::parse(*content_->Read(r->id));
  json parent_config = json::parse(*content_->Read(parent_.id));
  ASSERT_EQ(c["rootfs"]["diff_ids"].size(), 2u);
  EXPECT_EQ(c["rootfs"]["diff_ids"][0], parent_config["rootfs"]["diff_ids"][0]);
  EXPECT_EQ(c["rootfs"]["diff_ids"][1], Sha256Of(tar).String());
  EXPECT_EQ(c["config"], o.config);
  EXPECT_EQ(c["container"], o.container_id);
  EXPECT_EQ(c["author"], "Jane");
  EXPECT_EQ(c["comment"], "msg");
  ASSERT_EQ(c["history"].size(), 2u);
  EXPECT_EQ(c["history"][1]["comment"], "msg");
  EXPECT_EQ(c["history"][1]["created_by"], "sh -c x");

  // The manifest lists the parent's layer and the new, uncompressed one,
  // whose blob is the tar itself.
  auto rec = **images_->GetImage(r->id);
  json m = json::parse(*content_->Read(rec.target));
  ASSERT_EQ(m["layers"].size(), 2u);
  EXPECT_EQ(m["layers"][1]["digest"], Sha256Of(tar).String());
  EXPECT_EQ(m["layers"][1]["mediaType"], "application/vnd.docker.image.rootfs.diff.tar");
  EXPECT_EQ(*content_->Read(*ParseDigest(m["layers"][1]["digest"].get<std::string>())), tar);

  // The snapshot: the new layer over the parent's, with the file.
  auto dirs = *snaps_->LowerDirs(*rec.top_chain);
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(*ReadFile(dirs[0] + "/added.txt"), "new\n");
  struct stat st;
  if (::geteuid() == 0) {
    ASSERT_EQ(::lstat((dirs[0] + "/etc/motd").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
  }
  EXPECT_FALSE(images_->GcRoots()->blobs.empty());
  // The parent's blobs are held by the new image too.
  for (const Digest& d : parent_.blobs)
    EXPECT_NE(std::find(rec.blobs.begin(), rec.blobs.end(), d), rec.blobs.end());
}

TEST_F(CommitTest, AFailedLayerLeavesNothing) {
  size_t blobs = CountEntries(dir_ + "/blobs/sha256");
  size_t layers = CountEntries(dir_ + "/snapshots/layers");
  CommitOptions o;
  o.parent = parent_;
  o.tag = "docker.io/library/bad:1";
  LayerSourceFn layer = [](const LayerWriteFn& w) -> Status {
    TRY(w(std::string(512, 'x')));
    return Fail("the walk failed");
  };
  auto r = CommitImage(*content_, *snaps_, *images_, layer, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().What().find("the walk failed"), std::string::npos) << r.error().What();
  ASSERT_TRUE(CollectGarbage(*images_, *content_, *snaps_));
  EXPECT_EQ(CountEntries(dir_ + "/blobs/sha256"), blobs);
  EXPECT_EQ(CountEntries(dir_ + "/snapshots/layers"), layers);
  EXPECT_EQ(CountEntries(dir_ + "/snapshots/staging"), 0u);
  EXPECT_EQ(CountEntries(dir_ + "/ingest"), 0u);
  EXPECT_FALSE(*images_->ResolveTag("docker.io/library/bad:1"));
  EXPECT_EQ(images_->ListImages()->size(), 1u);
}

}  // namespace
}  // namespace berth::image
