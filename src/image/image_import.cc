#include "image/image_import.h"

#include <ctime>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "image/blob_spool.h"
#include "image/config_changes.h"
#include "image/import_source.h"
#include "image/layer_unpack.h"
#include "image/leased_writes.h"

namespace berth::image {

namespace {

using nlohmann::json;

// docker's container config with nothing set, as its import writes it
// (Go's zero container.Config: the members without omitempty), so that
// inspect shows the same fields for an imported image.
json EmptyContainerConfig() {
  return json{{"Hostname", ""},       {"Domainname", ""},      {"User", ""},
              {"AttachStdin", false}, {"AttachStdout", false}, {"AttachStderr", false},
              {"Tty", false},         {"OpenStdin", false},    {"StdinOnce", false},
              {"Env", nullptr},       {"Cmd", nullptr},        {"Image", ""},
              {"Volumes", nullptr},   {"WorkingDir", ""},      {"Entrypoint", nullptr},
              {"OnBuild", nullptr},   {"Labels", nullptr}};
}

// The layer blob is stored as the client sent it; its media type follows
// its compression. A zstd layer needs an OCI manifest (docker schema 2 has
// no name for it); the others get docker's, as docker's own import does.
struct LayerTypes {
  std::string layer, manifest, config;
};
LayerTypes TypesFor(Compression c) {
  switch (c) {
    case Compression::kGzip:
      return {spec::media::kDockerLayerGzip, spec::media::kDockerManifest,
              spec::media::kDockerConfig};
    case Compression::kZstd:
      return {spec::media::kOciLayerZstd, spec::media::kOciManifest, spec::media::kOciConfig};
    case Compression::kNone:
      break;
  }
  return {"application/vnd.docker.image.rootfs.diff.tar", spec::media::kDockerManifest,
          spec::media::kDockerConfig};
}

class Importer {
 public:
  Importer(const ContentStore& content, Snapshotter& snapshots, ImageStore& images,
           const ImportOptions& options, LeasedWrites& writes)
      : content_(content),
        snapshots_(snapshots),
        images_(images),
        options_(options),
        writes_(writes) {}

  Result<Digest> Run(json container_config, const ReadFn& read) {
    // 1. The layer: one pass over the stream, unpacked into a staging dir
    // and spooled as the blob at once.
    TRY(UnpackAndSpool(read));

    // 2. Blob and layer into their stores, leased first.
    TRY(writes_.Protect(LeaseKind::kBlob, blob_));
    TRY(spool_->Store(content_));
    LayerStaging staging = std::move(*staging_);
    staging_.reset();
    TRY(writes_.StoreLayer(std::move(staging), diff_id_, nullptr,
                           static_cast<int64_t>(stats_.uncompressed_size)));

    // 3. The config: platform, now, the diff_id, a history entry with the
    // message, and the container config the changes made.
    std::string created = NowRfc3339Nano();
    json history = {{"created", created}};
    json config = {{"architecture", options_.platform.architecture},
                   {"os", options_.platform.os},
                   {"created", created},
                   {"config", std::move(container_config)},
                   {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id_.String()}}}}};
    if (!options_.platform.variant.empty()) config["variant"] = options_.platform.variant;
    if (!options_.message.empty()) {
      config["comment"] = options_.message;
      history["comment"] = options_.message;
    }
    config["history"] = json::array({history});
    // Bytes of a change that are not UTF-8 become U+FFFD, as Go's JSON
    // encoder (docker) writes them.
    std::string config_bytes = config.dump(-1, ' ', false, json::error_handler_t::replace);
    Digest id = TRY(writes_.PutSmall(config_bytes));

    // 4. The manifest a registry would serve for it, so that it can be
    // pushed and saved like a pulled image.
    LayerTypes types = TypesFor(stats_.compression);
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", types.manifest},
                     {"config",
                      {{"mediaType", types.config},
                       {"digest", id.String()},
                       {"size", static_cast<int64_t>(config_bytes.size())}}},
                     {"layers",
                      {{{"mediaType", types.layer},
                        {"digest", blob_.String()},
                        {"size", static_cast<int64_t>(stats_.compressed_size)}}}}};
    Digest manifest_digest = TRY(writes_.PutSmall(manifest.dump()));

    // 5. Record and tag: from here on the image holds its content.
    ImageRecord rec;
    rec.id = id;
    rec.target = manifest_digest;
    rec.target_media_type = types.manifest;
    rec.top_chain = diff_id_;
    rec.blobs = {manifest_digest, id, blob_};
    rec.size = snapshots_.LayerSize(diff_id_);
    rec.created = ParseRfc3339Seconds(created);
    rec.pulled = static_cast<int64_t>(::time(nullptr));
    TRY(images_.PutImage(rec));
    if (options_.tag) TRY(images_.SetTag(*options_.tag, id));
    return id;
  }

  // A staging dir still held (the import failed) is dropped.
  ~Importer() {
    if (staging_) snapshots_.AbortLayer(std::move(*staging_));
  }

 private:
  Status UnpackAndSpool(const ReadFn& read) {
    spool_.emplace(TRY(SpooledBlob::Create(content_)));
    staging_.emplace(TRY(snapshots_.PrepareLayer()));
    // xz and bzip2 arrive decoded: the plain tar is what is kept.
    ReadFn source = TRY(ImportSource(read, options_.max_layer_bytes));
    ReadFn tee = [&](char* buf, size_t len) -> Result<size_t> {
      size_t n = TRY(source(buf, len));
      TRY(spool_->Write(std::string_view(buf, n)));
      return n;
    };
    UnpackOptions uo;
    uo.max_uncompressed_bytes = options_.max_layer_bytes;
    stats_ = TRY(UnpackLayer(tee, staging_->dirfd.get(), uo));
    blob_ = spool_->Finish();
    if (blob_ != stats_.blob_digest)
      return Fail("layer: spooled {} but unpacked {}", blob_.String(), stats_.blob_digest.String());
    diff_id_ = stats_.diff_id;
    return Ok();
  }

  const ContentStore& content_;
  Snapshotter& snapshots_;
  ImageStore& images_;
  const ImportOptions& options_;
  LeasedWrites& writes_;
  std::optional<SpooledBlob> spool_;
  std::optional<LayerStaging> staging_;
  UnpackStats stats_;
  Digest blob_, diff_id_;  // a one-layer image: its chain ID is its diff_id
};

}  // namespace

Result<Digest> ImportImage(const ContentStore& content, Snapshotter& snapshots, ImageStore& images,
                           const ReadFn& read, const ImportOptions& options) {
  // The changes first: a bad one costs no read of the tarball.
  json container_config = EmptyContainerConfig();
  // Its errors are docker's words as they are ("RUN is not a valid change
  // command"), which clients match.
  TRY(ApplyConfigChanges(container_config, options.changes));
  if (options.platform.os != "linux")
    return FailAs(EINVAL, "import: operating system {:?} is not supported", options.platform.os);

  return UnderLease(content, snapshots, images, "import", [&](LeasedWrites& writes) {
    return Importer(content, snapshots, images, options, writes)
        .Run(std::move(container_config), read);
  });
}

}  // namespace berth::image
