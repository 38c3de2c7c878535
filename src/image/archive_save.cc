#include "image/archive_save.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "image/reference.h"
#include "spec/image_spec.h"

namespace berth::image {

namespace {

using nlohmann::json;

// One image as it goes into the archive: the platform manifest (never an
// index) and what it names.
struct PlannedImage {
  Digest id;
  Digest manifest;
  std::string manifest_media_type;
  int64_t manifest_size = 0;
  // The OCI manifest made for an image whose own is Docker's, written
  // from memory; unset when `manifest` is a stored blob.
  std::optional<std::string> made_manifest;
  std::optional<spec::Platform> platform;
  std::vector<Digest> layers;
  std::vector<Reference> refs;
};

// A layer's OCI media type: Docker's names mapped to the OCI ones for the
// same bytes; OCI names kept.
std::string OciLayerType(const std::string& mt) {
  if (mt == spec::media::kDockerLayerGzip) return spec::media::kOciLayerGzip;
  if (mt == "application/vnd.docker.image.rootfs.diff.tar") return spec::media::kOciLayer;
  if (mt == spec::media::kDockerLayerForeign) return spec::media::kOciLayerNondistGzip;
  return mt;
}

// The OCI manifest equivalent to Docker schema 2 manifest `m`: the same
// config and layer blobs, byte for byte, under OCI media types (docker 25+
// writes OCI manifests into its archives the same way). The OCI half of an
// archive needs one: umoci reads no other kind, and skopeo's oci: copies
// would convert a Docker manifest themselves, re-serializing the config
// and so changing the image's ID.
std::string OciManifestOf(const spec::Manifest& m) {
  spec::Descriptor config = m.config;
  config.media_type = spec::media::kOciConfig;
  json layers = json::array();
  for (spec::Descriptor l : m.layers) {
    l.media_type = OciLayerType(l.media_type);
    layers.push_back(spec::DescriptorToJson(l));
  }
  json out = {{"schemaVersion", 2},
              {"mediaType", spec::media::kOciManifest},
              {"config", spec::DescriptorToJson(config)},
              {"layers", std::move(layers)}};
  if (!m.annotations.empty()) out["annotations"] = m.annotations;
  return out.dump();
}

// The manifest of `rec`: its target, or, for an image pulled from an
// index, the index entry whose config is this image's.
Result<PlannedImage> PlanImage(const ContentStore& content, const ImageRecord& rec) {
  PlannedImage p;
  p.id = rec.id;
  std::string bytes = TRY(content.Read(rec.target));
  Digest manifest_digest = rec.target;
  auto kind = TRY(spec::ClassifyManifest(rec.target_media_type, bytes));
  if (kind == spec::DocumentKind::kIndex) {
    auto index = TRY_CTX(spec::ParseIndex(bytes), "index {}", rec.target.String());
    bool found = false;
    for (const spec::Descriptor& d : index.manifests) {
      auto dg = ParseDigest(d.digest);
      if (!spec::IsManifestMediaType(d.media_type) || !dg || !content.Exists(*dg)) continue;
      auto b = content.Read(*dg);
      if (!b) continue;
      auto m = spec::ParseManifest(*b);
      if (m && m->config.digest == rec.id.String()) {
        bytes = std::move(*b);
        manifest_digest = *dg;
        found = true;
        break;
      }
    }
    if (!found) return Fail("no manifest of index {} has this image's config", rec.target.String());
  }
  auto m = TRY_CTX(spec::ParseManifest(bytes), "manifest {}", manifest_digest.String());
  if (m.config.digest != rec.id.String())
    return Fail("manifest {} names config {}, not the image's", manifest_digest.String(),
                m.config.digest);
  p.manifest = manifest_digest;
  p.manifest_media_type = m.media_type;
  p.manifest_size = static_cast<int64_t>(bytes.size());
  if (m.media_type == spec::media::kDockerManifest) {
    p.made_manifest = OciManifestOf(m);
    p.manifest = Sha256Of(*p.made_manifest);
    p.manifest_media_type = spec::media::kOciManifest;
    p.manifest_size = static_cast<int64_t>(p.made_manifest->size());
  }
  for (const spec::Descriptor& l : m.layers) p.layers.push_back(TRY(ParseDigest(l.digest)));
  // Every blob must be here before the first byte goes out: a stream cut
  // short halfway is worse than an error up front.
  if (!content.Exists(p.id)) return Fail("config {} is missing", p.id.String());
  // The platform, from the config, goes on index.json's entries as docker
  // writes them, for readers that pick images by platform.
  auto config =
      TRY_CTX(spec::ParseImageConfig(TRY(content.Read(p.id))), "config {}", p.id.String());
  if (!config.os.empty() && !config.architecture.empty())
    p.platform = spec::Platform{config.architecture, config.os, "", config.variant};
  for (const Digest& l : p.layers)
    if (!content.Exists(l)) return Fail("layer {} is missing", l.String());
  return p;
}

// A tar stream through libarchive whose bytes go to an ArchiveWriteFn.
class TarOut {
 public:
  explicit TarOut(const ArchiveWriteFn& write) : write_(write), a_(archive_write_new()) {}
  ~TarOut() { archive_write_free(a_); }

  Status Open() {
    archive_write_set_format_pax_restricted(a_);
    if (archive_write_open(a_, this, nullptr, &TarOut::OnWrite, nullptr) != ARCHIVE_OK)
      return Failed("open the tar writer");
    return Ok();
  }
  Status Dir(const std::string& path) { return Header(path, AE_IFDIR, 0755, 0); }
  Status File(const std::string& path, std::string_view data) {
    TRY(Header(path, AE_IFREG, 0644, static_cast<int64_t>(data.size())));
    return Data(path, data);
  }
  // A file copied from `fd`, which must hold exactly `size` bytes.
  Status FileFromFd(const std::string& path, int fd, int64_t size) {
    TRY(Header(path, AE_IFREG, 0644, size));
    std::string buf(1 << 20, '\0');
    int64_t done = 0;
    while (done < size) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return FailErrno("{}: read", path);
      if (n == 0 || done + n > size) return Fail("{}: changed size while being saved", path);
      TRY(Data(path, std::string_view(buf.data(), static_cast<size_t>(n))));
      done += n;
    }
    return Ok();
  }
  Status Close() {
    if (archive_write_close(a_) != ARCHIVE_OK) return Failed("finish the tar stream");
    return Ok();
  }

 private:
  static la_ssize_t OnWrite(archive*, void* self, const void* buf, size_t n) {
    auto* t = static_cast<TarOut*>(self);
    if (t->error_) return -1;  // the sink failed before: never write to it again
    Status st = t->write_(std::string_view(static_cast<const char*>(buf), n));
    if (!st) {
      t->error_ = st.error();
      return -1;
    }
    return static_cast<la_ssize_t>(n);
  }
  Status Header(const std::string& path, unsigned type, unsigned mode, int64_t size) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(),
                                                               archive_entry_free);
    archive_entry_set_pathname(e.get(), path.c_str());
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), mode);
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    archive_entry_set_mtime(e.get(), 0, 0);
    if (type == AE_IFREG) archive_entry_set_size(e.get(), size);
    if (archive_write_header(a_, e.get()) != ARCHIVE_OK) return Failed(path);
    return Ok();
  }
  Status Data(const std::string& path, std::string_view data) {
    while (!data.empty()) {
      la_ssize_t n = archive_write_data(a_, data.data(), data.size());
      if (n <= 0) return Failed(path);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Ok();
  }
  // The writer's own error if the sink failed, else libarchive's.
  Status Failed(const std::string& what) {
    if (error_) return std::unexpected(std::move(*error_));
    const char* msg = archive_error_string(a_);
    return Fail("{}: {}", what, msg ? msg : "tar write failed");
  }

  const ArchiveWriteFn& write_;
  archive* a_;
  std::optional<Error> error_;
};

std::string BlobPath(const Digest& d) { return "blobs/sha256/" + d.hex; }

// index.json: one entry per image and name, as docker writes it.
std::string OciIndex(const std::vector<PlannedImage>& plan) {
  json manifests = json::array();
  for (const PlannedImage& p : plan) {
    json desc = spec::DescriptorToJson(
        {p.manifest_media_type, p.manifest.String(), p.manifest_size, {}, {}, p.platform});
    if (p.refs.empty()) manifests.push_back(desc);
    for (const Reference& r : p.refs) {
      json d = desc;
      d["annotations"]["io.containerd.image.name"] = r.String();
      if (!r.tag.empty()) d["annotations"]["org.opencontainers.image.ref.name"] = r.tag;
      manifests.push_back(std::move(d));
    }
  }
  return json{{"schemaVersion", 2},
              {"mediaType", spec::media::kOciIndex},
              {"manifests", std::move(manifests)}}
      .dump();
}

// manifest.json and repositories: docker's own index, by familiar names.
// Only tags go in; digest references have no place there.
std::pair<std::string, std::optional<std::string>> DockerIndex(
    const std::vector<PlannedImage>& plan) {
  json list = json::array();
  json repos = json::object();
  for (const PlannedImage& p : plan) {
    json tags = json::array(), layers = json::array();
    for (const Reference& r : p.refs) {
      if (r.tag.empty()) continue;
      Reference t = r;
      t.digest.reset();
      tags.push_back(t.FamiliarString());
      // What docker 25+ writes here: the top layer, by its blob's name.
      repos[t.FamiliarName()][t.tag] = p.layers.empty() ? p.id.hex : p.layers.back().hex;
    }
    for (const Digest& l : p.layers) layers.push_back(BlobPath(l));
    list.push_back({{"Config", BlobPath(p.id)}, {"RepoTags", tags}, {"Layers", layers}});
  }
  std::optional<std::string> repositories;
  if (!repos.empty()) repositories = repos.dump();
  return {list.dump(), repositories};
}

}  // namespace

Status SaveImages(const ContentStore& content, ImageStore& images,
                  const std::vector<SaveImage>& to_save, ArchiveFormat format,
                  const ArchiveWriteFn& write) {
  // 1. Plan: each image's manifest and blobs, checked present before any
  // byte is written.
  std::vector<PlannedImage> plan;
  for (const SaveImage& s : to_save) {
    auto rec = TRY_CTX(images.GetImage(s.id), "save {}", s.id.String());
    if (!rec) return FailAs(ENOENT, "save {}: no such image", s.id.String());
    PlannedImage p = TRY_CTX(PlanImage(content, *rec), "save {}", s.id.String());
    for (const std::string& ref : s.refs)
      p.refs.push_back(TRY_CTX(ParseReference(ref), "save {}", s.id.String()));
    plan.push_back(std::move(p));
  }

  // 2. The blobs, each once however many images share it.
  TarOut tar(write);
  TRY_CTX(tar.Open(), "save");
  TRY_CTX(tar.Dir("blobs/"), "save");
  TRY_CTX(tar.Dir("blobs/sha256/"), "save");
  std::set<Digest> written;
  for (const PlannedImage& p : plan) {
    if (p.made_manifest && written.insert(p.manifest).second)
      TRY_CTX(tar.File(BlobPath(p.manifest), *p.made_manifest), "save {}", p.id.String());
    std::vector<Digest> blobs = {p.id};
    if (!p.made_manifest) blobs.insert(blobs.begin(), p.manifest);
    blobs.insert(blobs.end(), p.layers.begin(), p.layers.end());
    for (const Digest& d : blobs) {
      if (!written.insert(d).second) continue;
      int64_t size = TRY_CTX(content.Size(d), "save {}", p.id.String());
      UniqueFd fd = TRY_CTX(content.OpenBlob(d), "save {}", p.id.String());
      TRY_CTX(tar.FileFromFd(BlobPath(d), fd.get(), size), "save {}", p.id.String());
    }
  }

  // 3. The indexes that name them.
  if (format != ArchiveFormat::kDocker) {
    TRY_CTX(tar.File("index.json", OciIndex(plan)), "save");
    TRY_CTX(tar.File("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"), "save");
  }
  if (format != ArchiveFormat::kOci) {
    auto [manifest_json, repositories] = DockerIndex(plan);
    TRY_CTX(tar.File("manifest.json", manifest_json), "save");
    if (repositories) TRY_CTX(tar.File("repositories", *repositories), "save");
  }
  TRY_CTX(tar.Close(), "save");
  return Ok();
}

}  // namespace berth::image
