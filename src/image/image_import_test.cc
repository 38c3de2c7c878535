// docker import: a rootfs tarball as a one-layer image.
#include "image/image_import.h"

#include <archive.h>
#include <archive_entry.h>
#include <bzlib.h>
#include <dirent.h>
#include <lzma.h>
#include <zlib.h>

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "image/gc.h"
#include "image/test_blobs.h"

namespace berth::image {
namespace {

using test_blobs::Gzip;

using nlohmann::json;
using test_blobs::CountEntries;

// A tar of regular files, path -> content, in order.
std::string Tar(const std::vector<std::pair<std::string, std::string>>& files) {
  return test_blobs::TarOfFiles(files, 0755);
}

std::string Xz(const std::string& in) {
  std::string out(lzma_stream_buffer_bound(in.size()), '\0');
  size_t pos = 0;
  EXPECT_EQ(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr,
                                    reinterpret_cast<const uint8_t*>(in.data()), in.size(),
                                    reinterpret_cast<uint8_t*>(out.data()), &pos, out.size()),
            LZMA_OK);
  out.resize(pos);
  return out;
}

std::string Bzip2(const std::string& in) {
  std::string out(in.size() + in.size() / 100 + 600, '\0');
  unsigned len = static_cast<unsigned>(out.size());
  EXPECT_EQ(BZ2_bzBuffToBuffCompress(out.data(), &len, const_cast<char*>(in.data()),
                                     static_cast<unsigned>(in.size()), 9, 0, 0),
            BZ_OK);
  out.resize(len);
  return out;
}

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-import-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    content_.emplace(*ContentStore::Open(dir_));
    snaps_.emplace(*Snapshotter::Open(dir_ + "/snapshots"));
    images_.emplace(
        *ImageStore::Open(std::shared_ptr<SqliteDb>(*SqliteDb::Open(dir_ + "/berth.db"))));
    opts_.platform = {"amd64", "linux", "", ""};
  }
  void TearDown() override { (void)RemoveAll(dir_); }

  Result<Digest> Import(const std::string& body) {
    size_t off = 0;
    reads_ = 0;
    ReadFn read = [&](char* buf, size_t len) -> Result<size_t> {
      reads_++;
      size_t n = std::min(len, body.size() - off);
      std::copy_n(body.data() + off, n, buf);
      off += n;
      return n;
    };
    return ImportImage(*content_, *snaps_, *images_, read, opts_);
  }
  json ConfigOf(const Digest& id) { return json::parse(*content_->Read(id)); }
  json ManifestOf(const Digest& id) {
    auto rec = *images_->GetImage(id);
    return json::parse(*content_->Read(rec->target));
  }
  // Nothing of a failed import may remain: no image, blob, layer, staging
  // dir or lease (a GC collects nothing more).
  void ExpectNothingLeft() {
    EXPECT_TRUE(images_->ListImages()->empty());
    EXPECT_EQ(CountEntries(dir_ + "/blobs/sha256"), 0u);
    EXPECT_EQ(CountEntries(dir_ + "/snapshots/layers"), 0u);
    EXPECT_EQ(CountEntries(dir_ + "/snapshots/staging"), 0u);
    EXPECT_TRUE(images_->GcRoots()->blobs.empty());
  }

  std::string dir_;
  std::optional<ContentStore> content_;
  std::optional<Snapshotter> snaps_;
  std::optional<ImageStore> images_;
  ImportOptions opts_;
  int reads_ = 0;
};

TEST_F(ImportTest, PlainTarBecomesATaggedOneLayerImage) {
  std::string tar = Tar({{"bin/tool", "#!/bin/sh\n"}, {"etc/motd", "hi\n"}});
  opts_.changes = {R"(CMD ["/bin/sh","-c","echo hi"])", R"(ENV A=1 B="two words")", "WORKDIR /srv",
                   "EXPOSE 8080/tcp"};
  opts_.message = "msg";
  opts_.tag = "docker.io/library/imported:v1";
  auto id = Import(tar);
  ASSERT_TRUE(id) << id.error().What();

  EXPECT_EQ(*images_->ResolveTag("docker.io/library/imported:v1"), std::optional(*id));
  json c = ConfigOf(*id);
  EXPECT_EQ(c["os"], "linux");
  EXPECT_EQ(c["architecture"], "amd64");
  EXPECT_EQ(c["comment"], "msg");
  EXPECT_EQ(c["rootfs"]["diff_ids"], json({Sha256Of(tar).String()}));
  EXPECT_EQ(c["history"].size(), 1u);
  EXPECT_EQ(c["history"][0]["comment"], "msg");
  EXPECT_EQ(c["history"][0]["created"], c["created"]);
  EXPECT_EQ(c["config"]["Cmd"], json({"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(c["config"]["Env"], json({"A=1", "B=two words"}));
  EXPECT_EQ(c["config"]["WorkingDir"], "/srv");
  EXPECT_TRUE(c["config"]["ExposedPorts"].contains("8080/tcp"));
  EXPECT_TRUE(c["config"]["Labels"].is_null());  // docker's zero config otherwise

  // The plain tar is the layer blob: its digest is the diff_id.
  json m = ManifestOf(*id);
  EXPECT_EQ(m["mediaType"], spec::media::kDockerManifest);
  EXPECT_EQ(m["layers"][0]["mediaType"], "application/vnd.docker.image.rootfs.diff.tar");
  EXPECT_EQ(m["layers"][0]["digest"], Sha256Of(tar).String());
  EXPECT_EQ(*content_->Read(Sha256Of(tar)), tar);
  auto rec = *images_->GetImage(*id);
  EXPECT_EQ(rec->top_chain, std::optional(Sha256Of(tar)));
  auto dirs = *snaps_->LowerDirs(*rec->top_chain);
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_EQ(*ReadFile(dirs[0] + "/etc/motd"), "hi\n");
  EXPECT_EQ(rec->size, static_cast<int64_t>(tar.size()));
  EXPECT_TRUE(images_->GcRoots()->blobs.size() == 3u) << "only the image's own blobs, no lease";
}

TEST_F(ImportTest, GzipTarIsStoredAsSentAndNamedByItsDiffId) {
  std::string tar = Tar({{"a", "a\n"}}), gz = Gzip(tar);
  auto id = Import(gz);
  ASSERT_TRUE(id) << id.error().What();
  json m = ManifestOf(*id);
  EXPECT_EQ(m["layers"][0]["mediaType"], spec::media::kDockerLayerGzip);
  EXPECT_EQ(m["layers"][0]["digest"], Sha256Of(gz).String());
  EXPECT_EQ(m["layers"][0]["size"], gz.size());
  EXPECT_EQ(ConfigOf(*id)["rootfs"]["diff_ids"], json({Sha256Of(tar).String()}));
  EXPECT_FALSE(ConfigOf(*id).contains("comment"));  // no message given
  EXPECT_TRUE(images_->TagsOf(*id)->empty());
}

TEST_F(ImportTest, XzAndBzip2AreDecodedAndKeptAsThePlainTar) {
  std::string tar = Tar({{"etc/motd", "hi\n"}, {"big", std::string(300000, 'z')}});
  // Concatenated bzip2 streams decode as one (here: the tar, then the
  // end blocks of an empty one, which the unpacker reads past).
  std::string two = tar + Tar({});
  for (const auto& [packed, plain] : std::vector<std::pair<std::string, std::string>>{
           {Xz(tar), tar}, {Bzip2(tar), tar}, {Bzip2(tar) + Bzip2(Tar({})), two}}) {
    auto id = Import(packed);
    ASSERT_TRUE(id) << id.error().What();
    json m = ManifestOf(*id);
    EXPECT_EQ(m["layers"][0]["mediaType"], "application/vnd.docker.image.rootfs.diff.tar");
    EXPECT_EQ(m["layers"][0]["digest"], Sha256Of(plain).String());
    EXPECT_EQ(*content_->Read(Sha256Of(plain), 1 << 30), plain);
  }
}

TEST_F(ImportTest, TruncatedOrCorruptXzAndBzip2AreRefused) {
  std::string tar = Tar({{"a", std::string(200000, 'x')}});
  std::string xz = Xz(tar), bz = Bzip2(tar);
  for (const std::string& bad :
       {xz.substr(0, xz.size() / 2), bz.substr(0, bz.size() / 2), bz + "garbage"}) {
    auto id = Import(bad);
    ASSERT_FALSE(id);
    EXPECT_TRUE(id.error().What().find("xz") != std::string::npos ||
                id.error().What().find("bzip2") != std::string::npos)
        << id.error().What();
    ExpectNothingLeft();
  }
  opts_.max_layer_bytes = 1000;
  auto id = Import(xz);
  ASSERT_FALSE(id);
  EXPECT_NE(id.error().What().find("exceeds limit"), std::string::npos) << id.error().What();
  ExpectNothingLeft();
}

TEST_F(ImportTest, SameTarTwiceSharesTheLayer) {
  std::string tar = Tar({{"a", "a\n"}});
  auto a = Import(tar);
  opts_.message = "again";
  auto b = Import(tar);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(CountEntries(dir_ + "/snapshots/layers"), 1u);
  EXPECT_EQ(CountEntries(dir_ + "/snapshots/staging"), 0u);
}

TEST_F(ImportTest, BadChangeFailsBeforeReadingAndLeavesNothing) {
  opts_.changes = {"ENV A=1", "RUN x"};
  auto id = Import(Tar({{"a", "a\n"}}));
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code(), EINVAL);
  EXPECT_EQ(id.error().What(), "RUN is not a valid change command");
  EXPECT_EQ(reads_, 0);
  ExpectNothingLeft();
}

TEST_F(ImportTest, EscapingEntryIsRefusedAndLeavesNothing) {
  opts_.tag = "docker.io/library/bad:latest";
  auto id = Import(Tar({{"ok", "fine\n"}, {"../escape", "out\n"}}));
  ASSERT_FALSE(id);
  EXPECT_NE(id.error().What().find("\"../escape\": path escapes the layer root"), std::string::npos)
      << id.error().What();
  ExpectNothingLeft();
  EXPECT_FALSE(*images_->ResolveTag("docker.io/library/bad:latest"));
}

TEST_F(ImportTest, TruncatedGzipIsRefused) {
  std::string gz = Gzip(Tar({{"a", std::string(100000, 'x')}}));
  auto id = Import(gz.substr(0, gz.size() / 2));
  ASSERT_FALSE(id);
  EXPECT_NE(id.error().What().find("gzip"), std::string::npos) << id.error().What();
  ExpectNothingLeft();
}

TEST_F(ImportTest, OtherOperatingSystemsAreRefused) {
  opts_.platform.os = "windows";
  auto id = Import(Tar({{"a", "a\n"}}));
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code(), EINVAL);
  ExpectNothingLeft();
}

}  // namespace
}  // namespace berth::image
