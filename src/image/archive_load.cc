#include "image/archive_load.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "image/archive_contents.h"
#include "image/layer_unpack.h"
#include "image/leased_writes.h"
#include "image/platform_select.h"
#include "image/reference.h"
#include "spec/image_spec.h"

namespace berth::image {

namespace {

using nlohmann::json;

// One image found in the archive, before anything about it is recorded.
struct ImagePlan {
  Digest config;
  std::optional<Digest> index;  // a multi-platform index.json entry
  std::string index_media_type;
  std::optional<Digest> manifest;  // none for a docker-archive: one is made
  std::string manifest_media_type;
  std::vector<Digest> layers;
  std::vector<std::string> refs;  // normalized tags
};

// "docker.io/library/busybox:latest", or "name@sha256:…" without a tag.
std::string TagString(const Reference& r) {
  if (!r.tag.empty()) return r.Name() + ":" + r.tag;
  return r.Name() + "@" + r.digest->String();
}

void AddRef(std::vector<std::string>& refs, const std::string& ref) {
  if (std::find(refs.begin(), refs.end(), ref) == refs.end()) refs.push_back(ref);
}

// Which compression a stored layer blob uses, by its first bytes.
Result<Compression> DetectCompression(const ContentStore& content, const Digest& d) {
  UniqueFd fd = TRY(content.OpenBlob(d));
  unsigned char b[4] = {};
  ssize_t n = ::pread(fd.get(), b, sizeof b, 0);
  if (n < 0) return FailErrno("blob {}: read", d.String());
  if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) return Compression::kGzip;
  if (n == 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
    return Compression::kZstd;
  return Compression::kNone;
}

class Loader {
 public:
  Loader(const ContentStore& content, Snapshotter& snapshots, ImageStore& images,
         const LoadProgressFn& progress, const LoadOptions& options, LeasedWrites& writes)
      : content_(content),
        snapshots_(snapshots),
        images_(images),
        progress_(progress),
        options_(options),
        writes_(writes) {}

  Result<std::vector<LoadedImage>> Run(const ReadFn& read) {
    // 1. The stream, once: every file stored or held.
    contents_ = TRY(ReadArchiveContents(content_, read, options_.max_archive_bytes,
                                        [&](const Digest& d) { return Protect(d); }));

    // 2. Which images it holds: the OCI index when there is one, else
    // docker's manifest.json (whose tags name OCI images too).
    std::vector<ImagePlan> plans;
    bool oci = contents_.Find("index.json") && contents_.Find("oci-layout");
    bool docker = contents_.Find("manifest.json") != nullptr;
    if (!oci && !docker) return Fail("not an image archive (no manifest.json or index.json)");
    // docker 25.0.0 wrote `"manifests": null` for an image saved by digest
    // or ID (moby#47210); its manifest.json is whole, and docker itself
    // loads from that.
    if (oci && docker && TRY(IndexListsNothing())) oci = false;
    if (oci) TRY_CTX(PlanOci(plans), "index.json");
    if (docker) TRY_CTX(PlanDocker(plans, !oci), "manifest.json");

    // 3. Check and unpack each image's layers; nothing is recorded yet, so
    // a failure here leaves no image behind.
    std::vector<ImageRecord> records;
    for (ImagePlan& p : plans) records.push_back(TRY(Assemble(p)));

    // 4. Record and tag. An image already here keeps its record (a pulled
    // one may hold more, such as its index).
    std::vector<LoadedImage> loaded;
    for (size_t i = 0; i < plans.size(); i++) {
      if (!TRY(images_.GetImage(records[i].id))) TRY(images_.PutImage(records[i]));
    }
    for (size_t i = 0; i < plans.size(); i++) {
      LoadedImage li{records[i].id, {}};
      for (const std::string& ref : plans[i].refs) {
        TRY(images_.SetTag(ref, li.id));
        li.refs.push_back(ref);
        if (progress_) {
          auto r = ParseReference(ref);
          progress_("Loaded image: " + (r ? r->FamiliarString() : ref));
        }
      }
      if (li.refs.empty() && progress_) progress_("Loaded image ID: " + li.id.String());
      loaded.push_back(std::move(li));
    }
    return loaded;
  }

 private:
  Status Protect(const Digest& d) { return writes_.Protect(LeaseKind::kBlob, d); }

  // A file of the archive, in the content store (metadata kept in memory
  // is stored now, as it turns out to be a config).
  Result<Digest> Keep(ArchiveFile& f) {
    if (!f.stored) f.stored = TRY(writes_.PutSmall(f.data));
    return *f.stored;
  }
  Result<std::string> ReadSmall(const std::string& path) {
    ArchiveFile* f = contents_.Find(path);
    if (!f) return Fail("{} missing from the archive", path);
    if (!f->stored) return f->data;
    return TRY_CTX(content_.Read(*f->stored), "{}", path);
  }
  // The blob a descriptor names, which the archive must hold.
  Result<Digest> BlobOf(const std::string& digest, const std::string& what) {
    Digest d = TRY_CTX(ParseDigest(digest), "{}", what);
    std::string path = "blobs/" + d.algorithm + "/" + d.hex;
    ArchiveFile* f = contents_.Find(path);
    if (!f) return Fail("{} {} missing from the archive", what, path);
    Digest got = TRY(Keep(*f));
    if (got != d) return Fail("{} {}: content is {}", what, path, got.String());
    return d;
  }
  ImagePlan& PlanFor(std::vector<ImagePlan>& plans, const Digest& config) {
    for (ImagePlan& p : plans)
      if (p.config == config) return p;
    plans.push_back(ImagePlan{config});
    return plans.back();
  }

  // OCI: index.json's entries are images (or indexes of them, one per
  // platform: the host's is taken). Their names are annotations.
  Status PlanOci(std::vector<ImagePlan>& plans) {
    auto index = TRY(spec::ParseIndex(TRY(ReadSmall("index.json"))));
    for (const spec::Descriptor& top : index.manifests) {
      Digest top_digest = TRY(BlobOf(top.digest, "manifest"));
      std::string bytes = TRY(content_.Read(top_digest));
      auto kind = TRY_CTX(spec::ClassifyManifest(top.media_type, bytes), "{}", top.digest);
      Digest man_digest = top_digest;
      std::string man_type = top.media_type;
      std::optional<Digest> nested;
      if (kind == spec::DocumentKind::kIndex) {
        auto sub = TRY_CTX(spec::ParseIndex(bytes), "{}", top.digest);
        auto entry = TRY_CTX(SelectPlatform(sub, HostPlatform()), "{}", top.digest);
        man_digest = TRY_CTX(BlobOf(entry.digest, "manifest"), "index {}", top.digest);
        man_type = entry.media_type;
        bytes = TRY(content_.Read(man_digest));
        nested = top_digest;
      }
      auto m = TRY_CTX(spec::ParseManifest(bytes), "manifest {}", man_digest.String());
      std::string where = "manifest " + man_digest.String();
      Digest config = TRY_CTX(BlobOf(m.config.digest, "config"), "{}", where);
      ImagePlan& p = PlanFor(plans, config);
      if (!p.manifest) {
        p.manifest = man_digest;
        p.manifest_media_type = man_type.empty() ? m.media_type : man_type;
        p.index = nested;
        if (nested)
          p.index_media_type = top.media_type.empty() ? spec::media::kOciIndex : top.media_type;
        for (const spec::Descriptor& l : m.layers)
          p.layers.push_back(TRY_CTX(BlobOf(l.digest, "layer"), "{}", where));
      }
      // Names: containerd's full reference; else the OCI ref.name when it
      // is a whole reference ("name:tag") rather than a bare tag.
      auto ann = [&](const char* k) {
        auto it = top.annotations.find(k);
        return it == top.annotations.end() ? std::string() : it->second;
      };
      std::string name = ann("io.containerd.image.name");
      if (name.empty()) {
        name = ann("org.opencontainers.image.ref.name");
        if (name.find_first_of(":/") == std::string::npos) name.clear();
      }
      if (name.empty()) continue;
      auto ref = ParseReference(name);
      if (!ref) return Fail("entry {}: image name {:?}: {}", top.digest, name, ref.error().What());
      AddRef(p.refs, TagString(*ref));
    }
    return Ok();
  }

  // Whether index.json's manifests are null or empty.
  Result<bool> IndexListsNothing() {
    json index = json::parse(TRY(ReadSmall("index.json")), nullptr, false);
    if (!index.is_object()) return false;  // PlanOci says what is wrong
    auto ms = index.find("manifests");
    return ms != index.end() && (ms->is_null() || (ms->is_array() && ms->empty()));
  }

  // docker: manifest.json lists Config, RepoTags and Layers by path. With
  // `images` false (an OCI index was followed) only the tags are taken,
  // and the layers when the OCI manifest lists another number of them:
  // docker 25.0.0 wrote OCI manifests without layers (moby#47065), and
  // docker itself loads from manifest.json, so its list is the one that
  // holds.
  Status PlanDocker(std::vector<ImagePlan>& plans, bool images) {
    json list = json::parse(TRY(ReadSmall("manifest.json")), nullptr, false);
    if (!list.is_array()) return Fail("not a JSON array");
    for (size_t i = 0; i < list.size(); i++) {
      const json& e = list[i];
      auto str = [&](const json& v) { return v.is_string() ? v.get<std::string>() : ""; };
      std::string config_path = e.is_object() && e.contains("Config") ? str(e["Config"]) : "";
      if (config_path.empty()) return Fail("entry {}: no Config", i);
      ArchiveFile* cf = contents_.Find(config_path);
      if (!cf) return Fail("config {} missing from the archive", config_path);
      Digest config = TRY(Keep(*cf));
      bool known = std::any_of(plans.begin(), plans.end(),
                               [&](const ImagePlan& x) { return x.config == config; });
      if (!images && !known) continue;
      ImagePlan& p = PlanFor(plans, config);
      auto layers = e.find("Layers");
      if (!known ||
          (layers != e.end() && layers->is_array() && layers->size() != p.layers.size())) {
        if (layers == e.end() || !layers->is_array()) return Fail("entry {}: no Layers", i);
        // The OCI manifest, if one was planned, is not this image's: one is
        // made for it as for any docker-archive.
        p.layers.clear();
        p.manifest.reset();
        p.index.reset();
        for (const json& l : *layers) {
          ArchiveFile* lf = contents_.Find(str(l));
          if (!lf) return Fail("layer {} missing from the archive", str(l));
          p.layers.push_back(TRY(Keep(*lf)));
        }
      }
      if (auto tags = e.find("RepoTags"); tags != e.end() && tags->is_array()) {
        for (const json& t : *tags) {
          auto ref = ParseReference(str(t));
          if (!ref) return Fail("RepoTags {:?}: {}", str(t), ref.error().What());
          AddRef(p.refs, TagString(*ref));
        }
      }
    }
    return Ok();
  }

  // Unpacks what is missing of `p`'s layers, each checked against the
  // config's diff_ids, and returns the image's record (not yet stored).
  Result<ImageRecord> Assemble(ImagePlan& p) {
    std::string what = "image " + p.config.String();
    auto config = TRY_CTX(spec::ParseImageConfig(TRY(content_.Read(p.config))), "{}", what);
    if (config.diff_ids.size() != p.layers.size())
      return Fail("{}: config lists {} layers but the archive {}", what, config.diff_ids.size(),
                  p.layers.size());
    ImageRecord rec;
    rec.id = p.config;
    std::vector<Digest> diff_ids;
    std::vector<Compression> compression;
    std::optional<Digest> parent;
    for (size_t i = 0; i < p.layers.size(); i++) {
      diff_ids.push_back(TRY_CTX(ParseDigest(config.diff_ids[i]), "{}: diff_ids", what));
      Digest chain = ChainId(diff_ids);
      TRY(writes_.Protect(LeaseKind::kLayer, chain));
      compression.push_back(TRY(DetectCompression(content_, p.layers[i])));
      if (!snapshots_.HasLayer(chain))
        TRY(Unpack(p.layers[i], diff_ids.back(), chain, parent ? &*parent : nullptr));
      rec.size += snapshots_.LayerSize(chain);
      parent = chain;
    }
    rec.top_chain = parent;
    if (!p.manifest) TRY(SynthesizeManifest(p, compression));
    rec.target = p.index ? *p.index : *p.manifest;
    rec.target_media_type = p.index ? p.index_media_type : p.manifest_media_type;
    if (p.index) rec.blobs.push_back(*p.index);
    rec.blobs.push_back(*p.manifest);
    rec.blobs.push_back(p.config);
    for (const Digest& l : p.layers)
      if (std::find(rec.blobs.begin(), rec.blobs.end(), l) == rec.blobs.end())
        rec.blobs.push_back(l);
    rec.created = ParseRfc3339Seconds(config.created);
    rec.pulled = static_cast<int64_t>(::time(nullptr));
    return rec;
  }

  Status Unpack(const Digest& blob, const Digest& diff_id, const Digest& chain,
                const Digest* parent) {
    if (progress_) progress_("Loading layer " + blob.Short());
    UniqueFd fd = TRY(content_.OpenBlob(blob));
    auto staging = TRY(snapshots_.PrepareLayer());
    UnpackOptions uo;
    uo.layer = blob.String();
    uo.max_uncompressed_bytes = options_.max_layer_bytes;
    auto read = [&](char* buf, size_t len) -> Result<size_t> {
      ssize_t n = ::read(fd.get(), buf, len);
      if (n < 0) return FailErrno("layer {}: read", blob.String());
      return static_cast<size_t>(n);
    };
    auto st = UnpackLayer(read, staging.dirfd.get(), uo);
    if (st && st->blob_digest != blob)
      st = Fail("layer {}: changed while unpacked (now {})", blob.String(),
                st->blob_digest.String());
    if (st && st->diff_id != diff_id)
      st = Fail("layer {}: uncompressed content {} does not match the config's diff_id {}",
                blob.String(), st->diff_id.String(), diff_id.String());
    if (!st) {
      snapshots_.AbortLayer(std::move(staging));
      return std::unexpected(st.error());
    }
    return snapshots_.CommitLayer(std::move(staging), chain, parent,
                                  static_cast<int64_t>(st->uncompressed_size));
  }

  // A docker-archive holds no manifest; make the schema 2 manifest a
  // registry would serve (OCI when a layer is zstd, which schema 2 cannot
  // name) and store it, so the image can be pushed and saved.
  Status SynthesizeManifest(ImagePlan& p, const std::vector<Compression>& compression) {
    bool oci =
        std::find(compression.begin(), compression.end(), Compression::kZstd) != compression.end();
    json layers = json::array();
    for (size_t i = 0; i < p.layers.size(); i++) {
      std::string mt;
      switch (compression[i]) {
        case Compression::kNone:
          mt = oci ? spec::media::kOciLayer : "application/vnd.docker.image.rootfs.diff.tar";
          break;
        case Compression::kGzip:
          mt = oci ? spec::media::kOciLayerGzip : spec::media::kDockerLayerGzip;
          break;
        case Compression::kZstd:
          mt = spec::media::kOciLayerZstd;
          break;
      }
      layers.push_back({{"mediaType", mt},
                        {"digest", p.layers[i].String()},
                        {"size", TRY(content_.Size(p.layers[i]))}});
    }
    p.manifest_media_type = oci ? spec::media::kOciManifest : spec::media::kDockerManifest;
    json m = {{"schemaVersion", 2},
              {"mediaType", p.manifest_media_type},
              {"config",
               {{"mediaType", oci ? spec::media::kOciConfig : spec::media::kDockerConfig},
                {"digest", p.config.String()},
                {"size", TRY(content_.Size(p.config))}}},
              {"layers", std::move(layers)}};
    p.manifest = TRY(writes_.PutSmall(m.dump()));
    return Ok();
  }

  const ContentStore& content_;
  Snapshotter& snapshots_;
  ImageStore& images_;
  const LoadProgressFn& progress_;
  const LoadOptions& options_;
  LeasedWrites& writes_;
  ArchiveContents contents_;
};

}  // namespace

Result<std::vector<LoadedImage>> LoadImages(const ContentStore& content, Snapshotter& snapshots,
                                            ImageStore& images, const ReadFn& read,
                                            const LoadProgressFn& progress,
                                            const LoadOptions& options) {
  return UnderLease(content, snapshots, images, "load", [&](LeasedWrites& writes) {
    return Loader(content, snapshots, images, progress, options, writes).Run(read);
  });
}

}  // namespace berth::image
