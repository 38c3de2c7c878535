// Pusher against a real registry (Debian's docker-registry on a free
// loopback port): images are built in a temp content store as a pull
// would leave them, pushed, and read back with RegistryClient.
#include "image/pusher.h"

#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <random>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "image/registry_test_servers.h"
#include "image/test_blobs.h"
#include "spec/image_spec.h"

namespace berth::image {
namespace {

using test_blobs::Gzip;
using test_blobs::MakeDir;
using test_blobs::RandomBytes;

using registry_testing::kRegistryBinary;
using registry_testing::LocalRegistry;

// An image as a pull leaves it: blobs in the content store, a record.
struct TestImage {
  ImageRecord rec;
  std::string manifest;  // exact bytes of the platform manifest
  Digest manifest_digest;
  std::vector<std::pair<Digest, std::string>> layers;  // digest, gzip bytes
};

// The events of one push, in order.
struct Events {
  std::vector<PushProgress> all;
  PushProgressFn Fn() {
    return [this](const PushProgress& p) { all.push_back(p); };
  }
  // The statuses `id` went through, in order ("Pushing" once per event).
  std::vector<std::string> Of(const std::string& id) const {
    std::vector<std::string> out;
    for (const auto& p : all)
      if (p.id == id) out.push_back(p.status);
    return out;
  }
  std::string Last(const std::string& id) const {
    auto s = Of(id);
    return s.empty() ? "" : s.back();
  }
};

class PusherTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::access(kRegistryBinary, X_OK) != 0) return;
    reg_dir_ = new std::string(MakeDir("push-registry"));
    auto r = LocalRegistry::Start(*reg_dir_, "");
    if (!r) {
      start_error_ = new std::string(r.error().What());
      return;
    }
    registry_ = r->release();
  }
  static void TearDownTestSuite() {
    delete registry_;
    registry_ = nullptr;
    if (reg_dir_) (void)RemoveAll(*reg_dir_);
    delete reg_dir_;
    reg_dir_ = nullptr;
  }
  void SetUp() override {
    if (::access(kRegistryBinary, X_OK) != 0) GTEST_SKIP() << kRegistryBinary << " not installed";
    ASSERT_EQ(start_error_, nullptr) << *start_error_;
    dir_ = MakeDir("push");
    auto cs = ContentStore::Open(dir_);
    ASSERT_TRUE(cs) << cs.error().What();
    content_.emplace(std::move(*cs));
    auto db = SqliteDb::Open(dir_ + "/berth.db");
    ASSERT_TRUE(db) << db.error().What();
    auto is = ImageStore::Open(std::shared_ptr<SqliteDb>(std::move(*db)));
    ASSERT_TRUE(is) << is.error().What();
    images_.emplace(std::move(*is));
    options_.registry.docker_config_path = dir_ + "/no-such-config.json";
    options_.registry.initial_backoff = std::chrono::milliseconds(10);
    auto c = RegistryClient::Open(registry_->host(), options_.registry);
    ASSERT_TRUE(c) << c.error().What();
    client_ = std::move(*c);
  }
  void TearDown() override {
    if (!dir_.empty()) (void)RemoveAll(dir_);
  }

  void Store(const Digest& d, const std::string& bytes) {
    auto st = content_->Put(d, bytes);
    ASSERT_TRUE(st) << st.error().What();
  }

  // An image of gzip layers of random bytes of the given sizes (random
  // data does not compress, so the blobs are about that size).
  TestImage MakeImage(std::vector<size_t> layer_sizes, unsigned seed) {
    TestImage img;
    std::string diff_ids, layer_json;
    for (size_t i = 0; i < layer_sizes.size(); i++) {
      std::string raw = RandomBytes(layer_sizes[i], seed * 100 + static_cast<unsigned>(i));
      std::string gz = Gzip(raw);
      Digest d = Sha256Of(gz);
      Store(d, gz);
      diff_ids += fmt::format("{}\"{}\"", i ? "," : "", Sha256Of(raw).String());
      layer_json += fmt::format(R"({}{{"mediaType":"{}","digest":"{}","size":{}}})", i ? "," : "",
                                spec::media::kOciLayerGzip, d.String(), gz.size());
      img.layers.emplace_back(d, std::move(gz));
    }
    std::string config =
        fmt::format(R"({{"architecture":"amd64","os":"linux","created":"2024-01-0{}T00:00:00Z",)"
                    R"("rootfs":{{"type":"layers","diff_ids":[{}]}}}})",
                    seed % 9 + 1, diff_ids);
    Digest cd = Sha256Of(config);
    Store(cd, config);
    // Spaced out and keys in a non-canonical order: a re-serialized copy
    // would not hash to the same digest.
    img.manifest = fmt::format(
        "{{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"{}\",\n  \"layers\": [{}],\n"
        "  \"config\": {{\"mediaType\": \"{}\", \"size\": {}, \"digest\": \"{}\"}}\n}}\n",
        spec::media::kOciManifest, layer_json, spec::media::kOciConfig, config.size(), cd.String());
    img.manifest_digest = Sha256Of(img.manifest);
    Store(img.manifest_digest, img.manifest);
    img.rec.id = cd;
    img.rec.target = img.manifest_digest;
    img.rec.target_media_type = spec::media::kOciManifest;
    img.rec.blobs = {img.manifest_digest, cd};
    for (const auto& [d, _] : img.layers) img.rec.blobs.push_back(d);
    EXPECT_TRUE(images_->PutImage(img.rec));
    return img;
  }

  Reference Ref(const std::string& repo_tag) {
    auto r = ParseReference(registry_->host() + "/" + repo_tag);
    EXPECT_TRUE(r) << r.error().What();
    return *r;
  }

  Result<PushResult> Push(const TestImage& img, const std::string& repo_tag, Events& ev,
                          const std::vector<std::string>& mount_from = {}) {
    Pusher p(*content_, *images_, options_);
    return p.Push(img.rec, Ref(repo_tag), mount_from, ev.Fn());
  }

  std::string FetchAll(const std::string& repo, const Digest& d) {
    std::string out;
    auto st = client_->FetchBlob(repo, d, -1, [&](std::string_view c) {
      out.append(c);
      return Ok();
    });
    EXPECT_TRUE(st) << st.error().What();
    return out;
  }

  static inline std::string* reg_dir_ = nullptr;
  static inline std::string* start_error_ = nullptr;
  static inline LocalRegistry* registry_ = nullptr;
  std::string dir_;
  std::optional<ContentStore> content_;
  std::optional<ImageStore> images_;
  PushOptions options_;
  std::unique_ptr<RegistryClient> client_;
};

TEST_F(PusherTest, PushesAnImageThatReadsBackIdentical) {
  TestImage img = MakeImage({20000, 50000}, 1);
  Events ev;
  auto r = Push(img, "push/a:1", ev);
  ASSERT_TRUE(r) << r.error().What();
  EXPECT_EQ(r->digest, img.manifest_digest);
  EXPECT_EQ(r->size, static_cast<int64_t>(img.manifest.size()));

  auto m = client_->GetManifest("push/a", "1");
  ASSERT_TRUE(m) << m.error().What();
  EXPECT_EQ(m->bytes, img.manifest);
  EXPECT_EQ(m->digest, img.manifest_digest);
  EXPECT_EQ(m->media_type, spec::media::kOciManifest);
  for (const auto& [d, bytes] : img.layers) {
    EXPECT_EQ(FetchAll("push/a", d), bytes);
    auto s = ev.Of(d.Short());
    ASSERT_GE(s.size(), 3u) << d.Short();
    EXPECT_EQ(s.front(), "Preparing");
    EXPECT_EQ(s.back(), "Pushed");
    EXPECT_NE(std::find(s.begin(), s.end(), "Pushing"), s.end());
  }
  // Only the layers get events, as docker shows them.
  EXPECT_TRUE(ev.Of(img.rec.id.Short()).empty());

  // Again: the registry has every blob, nothing is uploaded.
  Events again;
  r = Push(img, "push/a:1", again);
  ASSERT_TRUE(r) << r.error().What();
  EXPECT_EQ(r->digest, img.manifest_digest);
  for (const auto& [d, _] : img.layers)
    EXPECT_EQ(again.Of(d.Short()), (std::vector<std::string>{"Preparing", "Layer already exists"}));
}

TEST_F(PusherTest, MountsBlobsFromAnotherRepository) {
  TestImage img = MakeImage({30000, 40000}, 2);
  Events first;
  ASSERT_TRUE(Push(img, "push/src:1", first));

  Events ev;
  auto r = Push(img, "push/dst:2", ev, {"push/dst", "push/nowhere", "push/src"});
  ASSERT_TRUE(r) << r.error().What();
  for (const auto& [d, bytes] : img.layers) {
    EXPECT_EQ(ev.Last(d.Short()), "Mounted from push/src");
    EXPECT_EQ(FetchAll("push/dst", d), bytes);
  }
  auto m = client_->GetManifest("push/dst", "2");
  ASSERT_TRUE(m) << m.error().What();
  EXPECT_EQ(m->digest, img.manifest_digest);
}

TEST_F(PusherTest, UploadsInChunks) {
  options_.chunk_size = 100000;
  options_.max_concurrent = 1;
  TestImage img = MakeImage({300000, 1000}, 3);
  Events ev;
  auto r = Push(img, "push/chunked:1", ev);
  ASSERT_TRUE(r) << r.error().What();
  const auto& [big, bytes] = img.layers[0];
  ASSERT_GT(bytes.size(), 300000u);
  EXPECT_EQ(FetchAll("push/chunked", big), bytes);
  // Pushing events climb to the whole blob.
  int64_t last = -1;
  for (const auto& p : ev.all) {
    if (p.id != big.Short() || p.status != "Pushing") continue;
    EXPECT_GT(p.current, last);
    EXPECT_EQ(p.total, static_cast<int64_t>(bytes.size()));
    last = p.current;
  }
  EXPECT_EQ(last, static_cast<int64_t>(bytes.size()));
  // One upload at a time: the second layer waited for the first.
  EXPECT_EQ(ev.Of(img.layers[1].first.Short())[1], "Waiting");
}

TEST_F(PusherTest, PushesThePlatformManifestOfAnIndex) {
  TestImage img = MakeImage({1000, 2000}, 4);
  TestImage other = MakeImage({3000}, 5);  // another platform's manifest
  std::string index = fmt::format(
      R"({{"schemaVersion":2,"mediaType":"{}","manifests":[)"
      R"({{"mediaType":"{}","digest":"{}","size":{},"platform":{{"architecture":"arm64","os":"linux"}}}},)"
      R"({{"mediaType":"{}","digest":"{}","size":{},"platform":{{"architecture":"amd64","os":"linux"}}}}]}})",
      spec::media::kOciIndex, spec::media::kOciManifest, other.manifest_digest.String(),
      other.manifest.size(), spec::media::kOciManifest, img.manifest_digest.String(),
      img.manifest.size());
  Digest id = Sha256Of(index);
  Store(id, index);
  img.rec.target = id;
  img.rec.target_media_type = spec::media::kOciIndex;
  img.rec.blobs.push_back(id);

  Events ev;
  auto r = Push(img, "push/multi:1", ev);
  ASSERT_TRUE(r) << r.error().What();
  EXPECT_EQ(r->digest, img.manifest_digest);
  auto m = client_->GetManifest("push/multi", "1");
  ASSERT_TRUE(m) << m.error().What();
  EXPECT_EQ(m->bytes, img.manifest);
}

TEST_F(PusherTest, MissingLayerFailsAndPushesNoManifest) {
  TestImage img = MakeImage({1000, 2000}, 6);
  const Digest& gone = img.layers[1].first;
  ASSERT_TRUE(content_->Delete(gone));
  Events ev;
  auto r = Push(img, "push/broken:1", ev);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ENOENT);
  EXPECT_EQ(r.error().What(), fmt::format("push {}/push/broken:1: blob {}: missing from the "
                                          "content store",
                                          registry_->host(), gone.String()));
  auto m = client_->GetManifest("push/broken", "1");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ENOENT) << m.error().What();
}

TEST(PusherAuthTest, FailsUnauthorizedWithoutCredentials) {
  if (::access(kRegistryBinary, X_OK) != 0) GTEST_SKIP() << kRegistryBinary << " not installed";
  if (::access("/usr/bin/htpasswd", X_OK) != 0) GTEST_SKIP() << "htpasswd not installed";
  std::string dir = MakeDir("push-auth");
  FILE* p = ::popen("/usr/bin/htpasswd -Bbn user pass", "r");
  ASSERT_NE(p, nullptr);
  std::string line(256, '\0');
  line.resize(::fread(line.data(), 1, line.size(), p));
  ::pclose(p);
  ASSERT_TRUE(WriteFileAtomic(dir + "/htpasswd", line));
  auto reg = LocalRegistry::Start(
      dir, fmt::format("auth:\n  htpasswd:\n    realm: test-realm\n    path: {}/htpasswd\n", dir));
  ASSERT_TRUE(reg) << reg.error().What();

  auto cs = ContentStore::Open(dir + "/root");
  ASSERT_TRUE(cs);
  auto db = SqliteDb::Open(dir + "/berth.db");
  ASSERT_TRUE(db);
  auto is = ImageStore::Open(std::shared_ptr<SqliteDb>(std::move(*db)));
  ASSERT_TRUE(is);
  std::string layer = Gzip("layer"), config = R"({"rootfs":{"type":"layers","diff_ids":[]}})";
  Digest ld = Sha256Of(layer), cd = Sha256Of(config);
  std::string manifest = fmt::format(
      R"({{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{}",)"
      R"("size":{}}},"layers":[{{"mediaType":"{}","digest":"{}","size":{}}}]}})",
      spec::media::kOciManifest, spec::media::kOciConfig, cd.String(), config.size(),
      spec::media::kOciLayerGzip, ld.String(), layer.size());
  Digest md = Sha256Of(manifest);
  ASSERT_TRUE(cs->Put(ld, layer));
  ASSERT_TRUE(cs->Put(cd, config));
  ASSERT_TRUE(cs->Put(md, manifest));
  ImageRecord rec;
  rec.id = cd;
  rec.target = md;
  rec.target_media_type = spec::media::kOciManifest;
  rec.blobs = {md, cd, ld};

  PushOptions opts;
  opts.registry.docker_config_path = dir + "/no-such-config.json";
  opts.registry.initial_backoff = std::chrono::milliseconds(10);
  Pusher pusher(*cs, *is, opts);
  auto ref = ParseReference((*reg)->host() + "/secret:1");
  ASSERT_TRUE(ref);
  auto r = pusher.Push(rec, *ref, {}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), EACCES);
  EXPECT_NE(r.error().What().find("unauthorized: authentication required"), std::string::npos)
      << r.error().What();
  EXPECT_EQ(r.error().What().rfind(fmt::format("push {}/secret:1: ", (*reg)->host()), 0), 0u)
      << r.error().What();
  reg->reset();
  (void)RemoveAll(dir);
}

}  // namespace
}  // namespace berth::image
