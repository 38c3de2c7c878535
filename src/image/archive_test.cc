// Save and load of image archives, against our own code and, where
// installed, skopeo and umoci (the formats' other readers and writers).
#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "image/archive_load.h"
#include "image/archive_save.h"
#include "image/layer_unpack.h"
#include "image/platform_select.h"
#include "image/test_blobs.h"
#include "spec/image_spec.h"

namespace berth::image {
namespace {

using test_blobs::Gzip;

using nlohmann::json;

// One tar entry for the archives and layers tests write by hand.
struct TarEntry {
  std::string path;
  std::string data;
  std::string symlink;  // makes it a symlink to this target
};

std::string Tar(const std::vector<TarEntry>& entries) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  auto cb = [](archive*, void* p, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(p)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  EXPECT_EQ(archive_write_open(a, &out, nullptr, cb, nullptr), ARCHIVE_OK);
  for (const TarEntry& x : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, x.path.c_str());
    archive_entry_set_filetype(e, x.symlink.empty() ? AE_IFREG : AE_IFLNK);
    archive_entry_set_perm(e, 0644);
    if (!x.symlink.empty()) archive_entry_set_symlink(e, x.symlink.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(x.data.size()));
    EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK);
    if (!x.data.empty()) archive_write_data(a, x.data.data(), x.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// path -> (content, mode bits and type as listed).
struct Listed {
  std::string data;
  mode_t mode = 0;
  int64_t uid = -1, mtime = -1;
};
std::map<std::string, Listed> ListTar(const std::string& tar) {
  std::map<std::string, Listed> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    Listed l;
    l.mode = archive_entry_mode(e);
    l.uid = archive_entry_uid(e);
    l.mtime = archive_entry_mtime(e);
    char buf[4096];
    for (la_ssize_t n; (n = archive_read_data(a, buf, sizeof buf)) > 0;) l.data.append(buf, n);
    out[archive_entry_pathname(e)] = l;
  }
  archive_read_free(a);
  return out;
}

// A data root with its three stores.
struct Root {
  std::string dir;
  std::optional<ContentStore> content;
  std::optional<Snapshotter> snaps;
  std::optional<ImageStore> images;

  explicit Root(const std::string& d) : dir(d) {
    EXPECT_TRUE(MkdirAll(dir, 0700));
    content.emplace(*ContentStore::Open(dir));
    snaps.emplace(*Snapshotter::Open(dir + "/snapshots"));
    images.emplace(
        *ImageStore::Open(std::shared_ptr<SqliteDb>(*SqliteDb::Open(dir + "/berth.db"))));
  }

  Result<std::vector<LoadedImage>> Load(const std::string& archive) {
    size_t off = 0;
    ReadFn read = [&](char* buf, size_t len) -> Result<size_t> {
      size_t n = std::min(len, archive.size() - off);
      std::copy_n(archive.data() + off, n, buf);
      off += n;
      return n;
    };
    return LoadImages(*content, *snaps, *images, read, nullptr);
  }
  std::string Save(const std::vector<SaveImage>& which,
                   ArchiveFormat format = ArchiveFormat::kDockerAndOci) {
    std::string out;
    Status st = SaveImages(*content, *images, which, format, [&](std::string_view d) {
      out.append(d);
      return Ok();
    });
    EXPECT_TRUE(st) << st.error().What();
    return out;
  }
  // A file of the image's root filesystem, as the snapshots hold it.
  std::optional<std::string> FileIn(const Digest& id, const std::string& path) {
    auto rec = images->GetImage(id);
    if (!rec || !*rec || !(*rec)->top_chain) return std::nullopt;
    auto lowers = snaps->LowerDirs(*(*rec)->top_chain);
    if (!lowers) return std::nullopt;
    for (const std::string& lower : *lowers)
      if (auto f = ReadFile(lower + "/" + path)) return *f;
    return std::nullopt;
  }
};

struct BuiltImage {
  Digest id, manifest;
  std::vector<Digest> layers;
};

// Makes an image as a pull would leave it: gzip layers, config and OCI
// manifest in the content store, layers unpacked, record and tag.
BuiltImage BuildImage(Root& r, const std::vector<std::map<std::string, std::string>>& layers,
                      const std::string& ref) {
  BuiltImage b;
  std::vector<Digest> diff_ids;
  json ldescs = json::array(), dids = json::array();
  ImageRecord rec;
  std::optional<Digest> parent;
  for (const auto& files : layers) {
    std::vector<TarEntry> entries;
    for (const auto& [p, d] : files) entries.push_back({p, d, ""});
    std::string tar = Tar(entries), gz = Gzip(tar);
    Digest blob = Sha256Of(gz);
    EXPECT_TRUE(r.content->Put(blob, gz));
    diff_ids.push_back(Sha256Of(tar));
    dids.push_back(diff_ids.back().String());
    ldescs.push_back({{"mediaType", spec::media::kOciLayerGzip},
                      {"digest", blob.String()},
                      {"size", gz.size()}});
    Digest chain = ChainId(diff_ids);
    auto staging = *r.snaps->PrepareLayer();
    size_t off = 0;
    auto st = UnpackLayer(
        [&](char* buf, size_t len) -> Result<size_t> {
          size_t n = std::min(len, gz.size() - off);
          std::copy_n(gz.data() + off, n, buf);
          off += n;
          return n;
        },
        staging.dirfd.get(), {});
    EXPECT_TRUE(st);
    EXPECT_TRUE(r.snaps->CommitLayer(std::move(staging), chain, parent ? &*parent : nullptr,
                                     static_cast<int64_t>(st->uncompressed_size)));
    parent = chain;
    b.layers.push_back(blob);
  }
  std::string config = json{{"architecture", HostPlatform().architecture},
                            {"os", "linux"},
                            {"created", "2024-01-02T03:04:05Z"},
                            {"config", {{"Cmd", {"/bin/sh"}}}},
                            {"rootfs", {{"type", "layers"}, {"diff_ids", dids}}}}
                           .dump();
  b.id = Sha256Of(config);
  EXPECT_TRUE(r.content->Put(b.id, config));
  std::string manifest = json{
      {"schemaVersion", 2},
      {"mediaType", spec::media::kOciManifest},
      {"config",
       {{"mediaType", spec::media::kOciConfig},
        {"digest", b.id.String()},
        {"size", config.size()}}},
      {"layers", ldescs}}.dump();
  b.manifest = Sha256Of(manifest);
  EXPECT_TRUE(r.content->Put(b.manifest, manifest));
  rec.id = b.id;
  rec.target = b.manifest;
  rec.target_media_type = spec::media::kOciManifest;
  rec.top_chain = parent;
  rec.blobs = {b.manifest, b.id};
  rec.blobs.insert(rec.blobs.end(), b.layers.begin(), b.layers.end());
  EXPECT_TRUE(r.images->PutImage(rec));
  EXPECT_TRUE(r.images->SetTag(ref, b.id));
  return b;
}

bool Have(const char* tool) {
  return std::system(fmt::format("command -v {} >/dev/null 2>&1", tool).c_str()) == 0;
}

// Runs a shell command; its output goes to `log` for the failure message.
int Sh(const std::string& cmd, const std::string& log) {
  return std::system(("(" + cmd + ") >" + log + " 2>&1").c_str());
}

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-archive-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)RemoveAll(dir_); }
  std::string dir_;

  static constexpr const char* kRef = "docker.io/library/testimg:v1";
  const std::vector<std::map<std::string, std::string>> kLayers = {
      {{"etc/hello", "hello\n"}, {"bin/tool", "tool v1\n"}},
      {{"bin/tool", "tool v2\n"}, {"etc/new", "new file\n"}}};
};

TEST_F(ArchiveTest, SaveWritesDockerArchiveAndOciLayoutAtOnce) {
  Root r(dir_ + "/a");
  BuiltImage b = BuildImage(r, kLayers, kRef);
  auto entries = ListTar(r.Save({{b.id, {kRef}}}));

  std::vector<std::string> want = {"blobs/",
                                   "blobs/sha256/",
                                   "index.json",
                                   "oci-layout",
                                   "manifest.json",
                                   "repositories",
                                   "blobs/sha256/" + b.manifest.hex,
                                   "blobs/sha256/" + b.id.hex};
  for (const Digest& l : b.layers) want.push_back("blobs/sha256/" + l.hex);
  EXPECT_EQ(entries.size(), want.size());
  for (const std::string& w : want) {
    ASSERT_TRUE(entries.count(w)) << w;
    EXPECT_EQ(entries[w].uid, 0);
    EXPECT_EQ(entries[w].mtime, 0);
    EXPECT_EQ(entries[w].mode, w.ends_with("/") ? (AE_IFDIR | 0755) : (AE_IFREG | 0644)) << w;
  }
  // Blobs are the stored bytes, so their names still hold.
  for (const Digest& l : b.layers) EXPECT_EQ(Sha256Of(entries["blobs/sha256/" + l.hex].data), l);

  json m = json::parse(entries["manifest.json"].data);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]["Config"], "blobs/sha256/" + b.id.hex);
  EXPECT_EQ(m[0]["RepoTags"], json({"testimg:v1"}));
  EXPECT_EQ(m[0]["Layers"][1], "blobs/sha256/" + b.layers[1].hex);
  json idx = json::parse(entries["index.json"].data);
  ASSERT_EQ(idx["manifests"].size(), 1u);
  EXPECT_EQ(idx["manifests"][0]["digest"], b.manifest.String());
  EXPECT_EQ(idx["manifests"][0]["annotations"]["io.containerd.image.name"], kRef);
  EXPECT_EQ(idx["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "v1");
  EXPECT_EQ(idx["manifests"][0]["platform"],
            json({{"architecture", HostPlatform().architecture}, {"os", "linux"}}));
  // docker 25+ names the top layer there.
  EXPECT_EQ(json::parse(entries["repositories"].data)["testimg"]["v1"], b.layers.back().hex);
  EXPECT_EQ(json::parse(entries["oci-layout"].data)["imageLayoutVersion"], "1.0.0");
}

TEST_F(ArchiveTest, SaveOfAnIndexTargetWritesThePlatformManifest) {
  Root r(dir_ + "/a");
  BuiltImage b = BuildImage(r, kLayers, kRef);
  std::string index =
      json{{"schemaVersion", 2},
           {"mediaType", spec::media::kOciIndex},
           {"manifests",
            {{{"mediaType", spec::media::kOciManifest},
              {"digest", Sha256Of("other").String()},
              {"size", 5},
              {"platform", {{"os", "linux"}, {"architecture", "s390x"}}}},
             {{"mediaType", spec::media::kOciManifest},
              {"digest", b.manifest.String()},
              {"size", *r.content->Size(b.manifest)},
              {"platform", {{"os", "linux"}, {"architecture", HostPlatform().architecture}}}}}}}
          .dump();
  Digest index_digest = Sha256Of(index);
  ASSERT_TRUE(r.content->Put(index_digest, index));
  ImageRecord rec = **r.images->GetImage(b.id);
  rec.target = index_digest;
  rec.target_media_type = spec::media::kOciIndex;
  rec.blobs.push_back(index_digest);
  ASSERT_TRUE(r.images->PutImage(rec));

  auto entries = ListTar(r.Save({{b.id, {kRef}}}));
  EXPECT_FALSE(entries.count("blobs/sha256/" + index_digest.hex));
  EXPECT_EQ(json::parse(entries["index.json"].data)["manifests"][0]["digest"], b.manifest.String());
}

TEST_F(ArchiveTest, SavedArchiveReadsInSkopeoAndUmoci) {
  if (!Have("skopeo") || !Have("umoci")) GTEST_SKIP() << "skopeo or umoci not installed";
  Root r(dir_ + "/a");
  BuiltImage b = BuildImage(r, kLayers, kRef);
  std::string path = dir_ + "/saved.tar", log = dir_ + "/log";
  ASSERT_TRUE(WriteFileAtomic(path, r.Save({{b.id, {kRef}}})));

  ASSERT_EQ(Sh("skopeo inspect --raw oci-archive:" + path, log), 0) << *ReadFile(log);
  EXPECT_EQ(Sha256Of(*ReadFile(log)), b.manifest);
  ASSERT_EQ(
      Sh("skopeo --insecure-policy copy docker-archive:" + path + " oci:" + dir_ + "/copied:t",
         log),
      0)
      << *ReadFile(log);
  ASSERT_EQ(Sh("mkdir " + dir_ + "/x && tar -xf " + path + " -C " + dir_ +
                   "/x && umoci ls --layout " + dir_ + "/x",
               log),
            0)
      << *ReadFile(log);
  EXPECT_EQ(*ReadFile(log), "v1\n");
}

TEST_F(ArchiveTest, SaveThenLoadIntoAFreshRootGivesTheSameImage) {
  Root a(dir_ + "/a");
  BuiltImage b = BuildImage(a, kLayers, kRef);
  std::string saved = a.Save({{b.id, {kRef, "docker.io/library/other:latest"}}});

  // Plain, and compressed as a whole (docker load accepts both).
  for (const std::string& archive : {saved, Gzip(saved)}) {
    Root r(dir_ + "/fresh" + std::to_string(archive.size()));
    std::vector<std::string> lines;
    auto loaded = LoadImages(
        *r.content, *r.snaps, *r.images,
        [&, off = size_t{0}](char* buf, size_t len) mutable -> Result<size_t> {
          size_t n = std::min(len, archive.size() - off);
          std::copy_n(archive.data() + off, n, buf);
          off += n;
          return n;
        },
        [&](const std::string& l) { lines.push_back(l); });
    ASSERT_TRUE(loaded) << loaded.error().What();
    ASSERT_EQ(loaded->size(), 1u);
    EXPECT_EQ((*loaded)[0].id, b.id);
    EXPECT_EQ((*loaded)[0].refs,
              (std::vector<std::string>{kRef, "docker.io/library/other:latest"}));
    EXPECT_EQ(**r.images->ResolveTag(kRef), b.id);
    EXPECT_EQ(lines.back(), "Loaded image: other:latest");
    auto rec = **r.images->GetImage(b.id);
    EXPECT_EQ(rec.target, b.manifest);
    EXPECT_EQ(rec.created, 1704164645);
    EXPECT_EQ(r.FileIn(b.id, "etc/hello"), "hello\n");
    EXPECT_EQ(r.FileIn(b.id, "bin/tool"), "tool v2\n");
    EXPECT_EQ(r.FileIn(b.id, "etc/new"), "new file\n");
    // The load's lease is gone: the image record alone keeps the content.
    EXPECT_EQ(r.images->GcRoots()->blobs.size(), rec.blobs.size());
    // Loading it again reuses what is there.
    auto again = r.Load(archive);
    ASSERT_TRUE(again) << again.error().What();
    EXPECT_EQ((*again)[0].id, b.id);
    EXPECT_EQ(r.images->ListImages()->size(), 1u);
  }
}

TEST_F(ArchiveTest, LoadsOldStyleDockerArchiveWithLinkedLayers) {
  // docker < 25: "<id>/layer.tar" plain tars, a repeated layer as a
  // symlink to the first, "<hex>.json" config; no manifest blob.
  Root r(dir_ + "/a");
  std::string l1 = Tar({{"a", "A\n", ""}}), l2 = Tar({{"b", "B\n", ""}});
  std::string config =
      json{{"architecture", "amd64"},
           {"os", "linux"},
           {"rootfs",
            {{"type", "layers"},
             {"diff_ids", {Sha256Of(l1).String(), Sha256Of(l2).String(), Sha256Of(l1).String()}}}}}
          .dump();
  Digest id = Sha256Of(config);
  std::string manifest_json =
      json::array({{{"Config", id.hex + ".json"},
                    {"RepoTags", {"old:1"}},
                    {"Layers", {"L1/layer.tar", "./L2/layer.tar", "L3/layer.tar"}}}})
          .dump();
  std::string archive = Tar({{"L1/layer.tar", l1, ""},
                             {"L2/layer.tar", Gzip(l2), ""},
                             {"L3/layer.tar", "", "../L1/layer.tar"},
                             {"L1/json", "{}", ""},
                             {id.hex + ".json", config, ""},
                             {"manifest.json", manifest_json, ""},
                             {"repositories", "{}", ""}});
  auto loaded = r.Load(archive);
  ASSERT_TRUE(loaded) << loaded.error().What();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].id, id);
  EXPECT_EQ((*loaded)[0].refs, std::vector<std::string>{"docker.io/library/old:1"});
  EXPECT_EQ(r.FileIn(id, "a"), "A\n");
  EXPECT_EQ(r.FileIn(id, "b"), "B\n");

  // A manifest was made for it, naming each layer's real compression.
  auto rec = **r.images->GetImage(id);
  EXPECT_EQ(rec.target_media_type, spec::media::kDockerManifest);
  auto m = spec::ParseManifest(*r.content->Read(rec.target));
  ASSERT_TRUE(m) << m.error().What();
  EXPECT_EQ(m->config.digest, id.String());
  EXPECT_EQ(m->layers[0].media_type, "application/vnd.docker.image.rootfs.diff.tar");
  EXPECT_EQ(m->layers[1].media_type, spec::media::kDockerLayerGzip);
  EXPECT_EQ(m->layers[2].digest, Sha256Of(l1).String());

  // And it saves again, its OCI half naming the OCI equivalent of that
  // manifest.
  auto entries = ListTar(r.Save({{id, {"docker.io/library/old:1"}}}));
  json idx = json::parse(entries["index.json"].data);
  EXPECT_EQ(idx["manifests"][0]["mediaType"], spec::media::kOciManifest);
  std::string digest = idx["manifests"][0]["digest"];
  auto saved = spec::ParseManifest(entries["blobs/sha256/" + digest.substr(7)].data);
  ASSERT_TRUE(saved) << saved.error().What();
  EXPECT_EQ(saved->layers[0].media_type, spec::media::kOciLayer);
  EXPECT_EQ(saved->layers[1].media_type, spec::media::kOciLayerGzip);
}

// A Docker schema 2 manifest (what docker 20.10 pushes, and what a load
// of a docker-archive makes) goes into the OCI half as the OCI manifest of
// the same blobs: umoci refuses anything else, and skopeo would convert
// it, re-serializing the config. The image is the same when loaded back.
TEST_F(ArchiveTest, SaveWritesADockerManifestAsItsOciEquivalent) {
  Root a(dir_ + "/a");
  BuiltImage b = BuildImage(a, kLayers, kRef);
  json docker = json::parse(*a.content->Read(b.manifest));
  docker["mediaType"] = spec::media::kDockerManifest;
  docker["config"]["mediaType"] = spec::media::kDockerConfig;
  for (json& l : docker["layers"]) l["mediaType"] = spec::media::kDockerLayerGzip;
  std::string docker_bytes = docker.dump();
  Digest docker_digest = Sha256Of(docker_bytes);
  ASSERT_TRUE(a.content->Put(docker_digest, docker_bytes));
  ImageRecord rec = **a.images->GetImage(b.id);
  rec.target = docker_digest;
  rec.target_media_type = spec::media::kDockerManifest;
  rec.blobs.push_back(docker_digest);
  ASSERT_TRUE(a.images->PutImage(rec));

  std::string saved = a.Save({{b.id, {kRef}}});
  auto entries = ListTar(saved);
  EXPECT_FALSE(entries.count("blobs/sha256/" + docker_digest.hex));
  json idx = json::parse(entries["index.json"].data);
  ASSERT_EQ(idx["manifests"].size(), 1u);
  EXPECT_EQ(idx["manifests"][0]["mediaType"], spec::media::kOciManifest);
  std::string digest = idx["manifests"][0]["digest"];
  const std::string& bytes = entries["blobs/sha256/" + digest.substr(7)].data;
  EXPECT_EQ(Sha256Of(bytes).String(), digest);
  EXPECT_EQ(idx["manifests"][0]["size"], bytes.size());
  auto m = spec::ParseManifest(bytes);
  ASSERT_TRUE(m) << m.error().What();
  EXPECT_EQ(m->media_type, spec::media::kOciManifest);
  EXPECT_EQ(m->config.media_type, spec::media::kOciConfig);
  EXPECT_EQ(m->config.digest, b.id.String());
  EXPECT_EQ(m->config.size, static_cast<int64_t>(entries["blobs/sha256/" + b.id.hex].data.size()));
  ASSERT_EQ(m->layers.size(), b.layers.size());
  for (size_t i = 0; i < b.layers.size(); i++) {
    EXPECT_EQ(m->layers[i].media_type, spec::media::kOciLayerGzip);
    EXPECT_EQ(m->layers[i].digest, b.layers[i].String());
  }
  // It is the same as the OCI manifest the image was built with.
  EXPECT_EQ(Sha256Of(bytes), b.manifest);

  Root r(dir_ + "/fresh");
  auto loaded = r.Load(saved);
  ASSERT_TRUE(loaded) << loaded.error().What();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].id, b.id);
  EXPECT_EQ(r.FileIn(b.id, "etc/new"), "new file\n");
}

TEST_F(ArchiveTest, LoadsArchivesWrittenBySkopeo) {
  if (!Have("skopeo") || !Have("umoci")) GTEST_SKIP() << "skopeo or umoci not installed";
  std::string log = dir_ + "/log", layout = dir_ + "/layout";
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/somefile", "from umoci\n"));
  // unpack + repack rather than `umoci insert`: umoci 0.4.7's insert
  // writes layer tars cut short after the last file's data (no padding,
  // no end blocks), which Go's tar reader tolerates but libarchive and
  // GNU tar refuse as truncated.
  ASSERT_EQ(
      Sh(fmt::format(
             "umoci init --layout {0} && umoci new --image {0}:t && "
             "umoci unpack --image {0}:t {1}/bundle && cp {1}/somefile {1}/bundle/rootfs/x && "
             "umoci repack --image {0}:t {1}/bundle && "
             "skopeo --insecure-policy copy oci:{0}:t docker-archive:{1}/d.tar:myimg:v2 "
             "&& skopeo --insecure-policy copy oci:{0}:t oci-archive:{1}/o.tar:myimg:v2",
             layout, dir_),
         log),
      0)
      << *ReadFile(log);
  for (const char* file : {"d.tar", "o.tar"}) {
    SCOPED_TRACE(file);
    Root r(dir_ + "/root-" + file);
    auto loaded = r.Load(*ReadFile(dir_ + "/" + file));
    ASSERT_TRUE(loaded) << loaded.error().What();
    ASSERT_EQ(loaded->size(), 1u);
    EXPECT_EQ((*loaded)[0].refs, std::vector<std::string>{"docker.io/library/myimg:v2"});
    EXPECT_EQ(r.FileIn((*loaded)[0].id, "x"), "from umoci\n");
  }
}

// docker 25.0.0's archives: manifest.json whole, but the OCI half broken
// (moby#47065: OCI manifests without layers; moby#47210: "manifests":
// null for an image saved by digest). docker loads them from
// manifest.json, and so does berth.
TEST_F(ArchiveTest, LoadsDocker25ArchivesWithABrokenOciHalf) {
  std::string l1 = Tar({{"a", "A\n", ""}}), l2 = Tar({{"b", "B\n", ""}});
  Digest d1 = Sha256Of(l1), d2 = Sha256Of(l2);
  std::string config =
      json{{"architecture", "amd64"},
           {"os", "linux"},
           {"rootfs", {{"type", "layers"}, {"diff_ids", {d1.String(), d2.String()}}}}}
          .dump();
  Digest id = Sha256Of(config);
  std::string manifest = json{
      {"schemaVersion", 2},
      {"mediaType", spec::media::kOciManifest},
      {"config",
       {{"mediaType", spec::media::kOciConfig}, {"digest", id.String()}, {"size", config.size()}}},
      {"layers",
       json::array()}}.dump();
  Digest manifest_digest = Sha256Of(manifest);
  json no_layers = {{"schemaVersion", 2},
                    {"mediaType", spec::media::kOciIndex},
                    {"manifests",
                     {{{"mediaType", spec::media::kOciManifest},
                       {"digest", manifest_digest.String()},
                       {"size", manifest.size()},
                       {"annotations",
                        {{"io.containerd.image.name", "docker.io/library/d25:1"},
                         {"org.opencontainers.image.ref.name", "1"}}}}}}};
  json null_manifests = {
      {"schemaVersion", 2}, {"mediaType", spec::media::kOciIndex}, {"manifests", nullptr}};
  std::string manifest_json =
      json::array({{{"Config", "blobs/sha256/" + id.hex},
                    {"RepoTags", {"d25:1"}},
                    {"Layers", {"blobs/sha256/" + d1.hex, "blobs/sha256/" + d2.hex}}}})
          .dump();
  for (const json& index : {no_layers, null_manifests}) {
    SCOPED_TRACE(index.dump());
    Root r(dir_ + "/" + std::to_string(index.dump().size()));
    auto loaded = r.Load(Tar({{"blobs/sha256/" + d1.hex, l1, ""},
                              {"blobs/sha256/" + d2.hex, l2, ""},
                              {"blobs/sha256/" + id.hex, config, ""},
                              {"blobs/sha256/" + manifest_digest.hex, manifest, ""},
                              {"index.json", index.dump(), ""},
                              {"oci-layout", R"({"imageLayoutVersion":"1.0.0"})", ""},
                              {"manifest.json", manifest_json, ""}}));
    ASSERT_TRUE(loaded) << loaded.error().What();
    ASSERT_EQ(loaded->size(), 1u);
    EXPECT_EQ((*loaded)[0].id, id);
    EXPECT_EQ((*loaded)[0].refs, std::vector<std::string>{"docker.io/library/d25:1"});
    EXPECT_EQ(r.FileIn(id, "a"), "A\n");
    EXPECT_EQ(r.FileIn(id, "b"), "B\n");
    // The image's manifest is one made from manifest.json, not the empty one.
    auto rec = **r.images->GetImage(id);
    EXPECT_NE(rec.target, manifest_digest);
    auto m = spec::ParseManifest(*r.content->Read(rec.target));
    ASSERT_TRUE(m) << m.error().What();
    EXPECT_EQ(m->layers.size(), 2u);
  }
}

TEST_F(ArchiveTest, LoadFollowsANestedIndexToTheHostPlatform) {
  Root a(dir_ + "/a");
  BuiltImage b = BuildImage(a, kLayers, kRef);
  auto files = ListTar(a.Save({{b.id, {}}}, ArchiveFormat::kOci));
  std::string index =
      json{{"schemaVersion", 2},
           {"mediaType", spec::media::kOciIndex},
           {"manifests",
            {{{"mediaType", spec::media::kOciManifest},
              {"digest", Sha256Of("not in the archive").String()},
              {"size", 5},
              {"platform", {{"os", "linux"}, {"architecture", "s390x"}}}},
             {{"mediaType", spec::media::kOciManifest},
              {"digest", b.manifest.String()},
              {"size", files["blobs/sha256/" + b.manifest.hex].data.size()},
              {"platform", {{"os", "linux"}, {"architecture", HostPlatform().architecture}}}}}}}
          .dump();
  Digest index_digest = Sha256Of(index);
  std::vector<TarEntry> entries = {{"oci-layout", files["oci-layout"].data, ""},
                                   {"blobs/sha256/" + index_digest.hex, index, ""}};
  for (const auto& [path, f] : files)
    if (path.starts_with("blobs/sha256/") && path.size() > 13)
      entries.push_back({path, f.data, ""});
  // Named by a whole reference in ref.name, as skopeo's oci-archive does.
  entries.push_back(
      {"index.json",
       json{{"schemaVersion", 2},
            {"manifests",
             {{{"mediaType", spec::media::kOciIndex},
               {"digest", index_digest.String()},
               {"size", index.size()},
               {"annotations", {{"org.opencontainers.image.ref.name", "testimg:v1"}}}}}}}
           .dump(),
       ""});

  Root r(dir_ + "/fresh");
  auto loaded = r.Load(Tar(entries));
  ASSERT_TRUE(loaded) << loaded.error().What();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].id, b.id);
  EXPECT_EQ((*loaded)[0].refs, std::vector<std::string>{kRef});
  auto rec = **r.images->GetImage(b.id);
  EXPECT_EQ(rec.target, index_digest);
  EXPECT_EQ(rec.target_media_type, spec::media::kOciIndex);
  EXPECT_EQ(r.FileIn(b.id, "bin/tool"), "tool v2\n");
  // Saved again, it is the platform manifest that goes out.
  auto saved = ListTar(r.Save({{b.id, {kRef}}}));
  EXPECT_EQ(json::parse(saved["index.json"].data)["manifests"][0]["digest"], b.manifest.String());
}

// Each bad archive fails with one line naming what is wrong, and leaves
// no image and no tag.
TEST_F(ArchiveTest, BadArchivesFailAndRecordNothing) {
  Root a(dir_ + "/a");
  BuiltImage b = BuildImage(a, kLayers, kRef);
  std::string saved = a.Save({{b.id, {kRef}}}, ArchiveFormat::kDocker);
  auto files = ListTar(saved);
  std::string manifest_json = files["manifest.json"].data;
  std::string config = files["blobs/sha256/" + b.id.hex].data;

  struct Case {
    std::string name, archive, error;
  } cases[] = {
      {"truncated", saved.substr(0, saved.size() / 2), "Truncated tar archive"},
      {"wrong blob",
       Tar({{"blobs/sha256/" + b.id.hex, config + " ", ""}, {"manifest.json", manifest_json, ""}}),
       "load: blobs/sha256/" + b.id.hex + ": blob " + b.id.String() + ": digest mismatch"},
      {"missing layer",
       Tar({{"blobs/sha256/" + b.id.hex, config, ""}, {"manifest.json", manifest_json, ""}}),
       "load: manifest.json: layer blobs/sha256/" + b.layers[0].hex + " missing from the archive"},
      {"dotdot", Tar({{"../evil", "x", ""}, {"manifest.json", manifest_json, ""}}),
       "load: entry \"../evil\": path escapes the archive"},
      {"escaping link", Tar({{"l", "", "../../etc/passwd"}}),
       "load: entry \"l\": link target \"../../etc/passwd\": path escapes the archive"},
      {"not an archive", Tar({{"hello", "x", ""}}),
       "load: not an image archive (no manifest.json or index.json)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Root r(dir_ + "/" + c.name);
    auto loaded = r.Load(c.archive);
    ASSERT_FALSE(loaded);
    std::string what = loaded.error().What();
    EXPECT_NE(what.find(c.error), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    EXPECT_TRUE(r.images->ListImages()->empty());
    EXPECT_FALSE(*r.images->ResolveTag(kRef));
    EXPECT_TRUE(r.images->GcRoots()->blobs.empty());
  }
}

}  // namespace
}  // namespace berth::image
