#include "image/image_commit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <thread>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/unique_fd.h"
#include "image/byte_pipe.h"
#include "image/layer_unpack.h"
#include "image/leased_writes.h"
#include "spec/image_spec.h"
#include "sys/syscalls.h"

namespace berth::image {

namespace {

using nlohmann::json;

// The parent's platform manifest: its target, or for an image pulled from
// an index the entry whose config is the image's.
Result<spec::Manifest> ParentManifest(const ContentStore& content, const ImageRecord& rec) {
  std::string bytes = TRY(content.Read(rec.target));
  auto kind = TRY(spec::ClassifyManifest(rec.target_media_type, bytes));
  if (kind == spec::DocumentKind::kIndex) {
    auto index = TRY_CTX(spec::ParseIndex(bytes), "index {}", rec.target.String());
    for (const spec::Descriptor& d : index.manifests) {
      auto dg = ParseDigest(d.digest);
      if (!spec::IsManifestMediaType(d.media_type) || !dg || !content.Exists(*dg)) continue;
      auto b = content.Read(*dg);
      if (!b) continue;
      auto m = spec::ParseManifest(*b);
      if (m && m->config.digest == rec.id.String()) return std::move(*m);
    }
    return Fail("no manifest of index {} has image {}", rec.target.String(), rec.id.String());
  }
  return TRY_CTX(spec::ParseManifest(bytes), "manifest {}", rec.target.String());
}

// The layer blob, written once: into a file in the content store's ingest
// dir while hashed, then (its digest known, and leased by the caller)
// fsynced and renamed into blobs/ — the content store's own crash-safe
// commit, without the second copy a SpooledBlob makes. A file left by a
// crash is an ingest leftover, removed at the next daemon start.
class LayerBlobFile {
 public:
  static Result<LayerBlobFile> Create(const ContentStore& content) {
    LayerBlobFile f;
    std::string blobs = content.PathOf(Digest{"sha256", ""});
    f.blobs_dir_ = blobs.substr(0, blobs.size() - 1);  // ".../blobs/sha256"
    std::string tmpl = blobs.substr(0, blobs.size() - std::string("blobs/sha256/").size()) +
                       "ingest/commit-XXXXXX";
    int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) return FailErrno("create a layer file in {}", tmpl);
    ::fchmod(fd, 0600);
    f.fd_.Reset(fd);
    f.path_ = tmpl;
    return f;
  }
  LayerBlobFile(LayerBlobFile&& o) noexcept
      : fd_(std::move(o.fd_)),
        path_(std::exchange(o.path_, "")),
        blobs_dir_(std::move(o.blobs_dir_)),
        hash_(std::move(o.hash_)),
        digest_(std::move(o.digest_)),
        size_(o.size_),
        flushed_(o.flushed_) {}
  ~LayerBlobFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }

  Status Write(std::string_view data) {
    hash_.Update(data);
    if (sys::WriteAll(fd_.get(), data.data(), data.size()) != 0) return FailErrno("layer: write");
    size_ += static_cast<int64_t>(data.size());
    // Writeback starts as the layer is written, so the fsync at the end
    // has little left to do.
    if (size_ - flushed_ >= (int64_t{8} << 20)) {
      (void)::sync_file_range(fd_.get(), flushed_, size_ - flushed_, SYNC_FILE_RANGE_WRITE);
      flushed_ = size_;
    }
    return Ok();
  }
  Digest Finish() { return digest_ = hash_.Finish(); }
  int64_t size() const { return size_; }

  // Into the content store as the digest Finish named (leased by then).
  Status Store() {
    std::string dest = blobs_dir_ + "/" + digest_.hex;
    struct stat st;
    if (::stat(dest.c_str(), &st) == 0) return Ok();  // committed before
    if (::fsync(fd_.get()) != 0) return FailErrno("blob {}: fsync", digest_.String());
    if (::rename(path_.c_str(), dest.c_str()) != 0)
      return FailErrno("blob {}: store", digest_.String());
    path_.clear();
    UniqueFd dir(::open(blobs_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir || ::fsync(dir.get()) != 0) return FailErrno("fsync {}", blobs_dir_);
    return Ok();
  }

 private:
  LayerBlobFile() = default;
  UniqueFd fd_;
  std::string path_, blobs_dir_;
  Sha256 hash_;
  Digest digest_;
  int64_t size_ = 0, flushed_ = 0;
};

class Committer {
 public:
  Committer(const ContentStore& content, Snapshotter& snapshots, ImageStore& images,
            const CommitOptions& options, LeasedWrites& writes)
      : content_(content),
        snapshots_(snapshots),
        images_(images),
        options_(options),
        writes_(writes) {}

  ~Committer() {
    if (staging_) snapshots_.AbortLayer(std::move(*staging_));
  }

  Result<CommitResult> Run(const LayerSourceFn& layer) {
    // 1. The parent: its config (to extend) and manifest (its layers).
    const ImageRecord& parent = options_.parent;
    std::string parent_bytes = TRY(content_.Read(parent.id));
    json config = json::parse(parent_bytes, nullptr, false);
    if (!config.is_object()) return Fail("image {}: config is not JSON", parent.id.String());
    spec::Manifest parent_manifest = TRY(ParentManifest(content_, parent));
    std::vector<Digest> diff_ids;
    if (auto r = config.find("rootfs"); r != config.end() && r->is_object()) {
      if (auto d = r->find("diff_ids"); d != r->end() && d->is_array()) {
        for (const json& v : *d) {
          if (!v.is_string()) return Fail("image {}: bad diff_id", parent.id.String());
          diff_ids.push_back(TRY(ParseDigest(v.get<std::string>())));
        }
      }
    }
    if (diff_ids.size() != parent_manifest.layers.size())
      return Fail("image {}: {} diff_ids but {} layers", parent.id.String(), diff_ids.size(),
                  parent_manifest.layers.size());

    // 2. The layer: written once, spooled as the blob and unpacked as the
    // snapshot at the same time.
    TRY(WriteLayer(layer));
    TRY(writes_.Protect(LeaseKind::kBlob, blob_));
    TRY(spool_->Store());
    diff_ids.push_back(blob_);  // an uncompressed layer: blob digest = diff_id
    Digest chain = ChainId(diff_ids);
    LayerStaging staging = std::move(*staging_);
    staging_.reset();
    int64_t layer_bytes = static_cast<int64_t>(stats_.uncompressed_size);
    TRY(writes_.StoreLayer(std::move(staging), chain,
                           parent.top_chain ? &*parent.top_chain : nullptr, layer_bytes));

    // 3. The config: docker's commit keeps the parent's and sets what the
    // container made.
    std::string created = NowRfc3339Nano();
    config["created"] = created;
    config["config"] = options_.config;
    config["container"] = options_.container_id;
    config["container_config"] = options_.container_config;
    if (!options_.author.empty()) {
      config["author"] = options_.author;
    } else {
      config.erase("author");
    }
    if (!options_.comment.empty()) {
      config["comment"] = options_.comment;
    } else {
      config.erase("comment");
    }
    json diff_json = json::array();
    for (const Digest& d : diff_ids) diff_json.push_back(d.String());
    config["rootfs"] = {{"type", "layers"}, {"diff_ids", std::move(diff_json)}};
    json history = {{"created", created}, {"created_by", options_.created_by}};
    if (!options_.author.empty()) history["author"] = options_.author;
    if (!options_.comment.empty()) history["comment"] = options_.comment;
    if (!config.contains("history") || !config["history"].is_array())
      config["history"] = json::array();
    config["history"].push_back(std::move(history));
    std::string config_bytes = config.dump(-1, ' ', false, json::error_handler_t::replace);
    Digest id = TRY(writes_.PutSmall(config_bytes));

    // 4. The manifest, of the parent's kind, so that the image can be
    // pushed and saved like the parent.
    bool oci = parent_manifest.media_type == spec::media::kOciManifest;
    json layers = json::array();
    for (const spec::Descriptor& d : parent_manifest.layers)
      layers.push_back(spec::DescriptorToJson(d));
    layers.push_back({{"mediaType", oci ? spec::media::kOciLayer
                                        : "application/vnd.docker.image.rootfs.diff.tar"},
                      {"digest", blob_.String()},
                      {"size", spool_->size()}});
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", oci ? spec::media::kOciManifest : spec::media::kDockerManifest},
                     {"config",
                      {{"mediaType", oci ? spec::media::kOciConfig : spec::media::kDockerConfig},
                       {"digest", id.String()},
                       {"size", static_cast<int64_t>(config_bytes.size())}}},
                     {"layers", std::move(layers)}};
    Digest manifest_digest = TRY(writes_.PutSmall(manifest.dump()));

    // 5. Record and tag.
    ImageRecord rec;
    rec.id = id;
    rec.target = manifest_digest;
    rec.target_media_type = oci ? spec::media::kOciManifest : spec::media::kDockerManifest;
    rec.top_chain = chain;
    rec.blobs = parent.blobs;
    rec.blobs.push_back(manifest_digest);
    rec.blobs.push_back(id);
    rec.blobs.push_back(blob_);
    rec.size = parent.size + snapshots_.LayerSize(chain);
    rec.created = ParseRfc3339Seconds(created);
    rec.pulled = static_cast<int64_t>(::time(nullptr));
    TRY(images_.PutImage(rec));
    if (options_.tag) TRY(images_.SetTag(*options_.tag, id));
    return CommitResult{id, layer_bytes};
  }

 private:
  // The tar goes to the spool on this thread and through a pipe to the
  // unpack on another: the two writes of the layer overlap.
  Status WriteLayer(const LayerSourceFn& layer) {
    spool_.emplace(TRY(LayerBlobFile::Create(content_)));
    staging_.emplace(TRY(snapshots_.PrepareLayer()));
    BytePipe pipe(size_t{8} << 20);
    Result<UnpackStats> unpacked = Fail("layer: not unpacked");
    std::thread unpacker([&] {
      UnpackOptions uo;
      uo.max_uncompressed_bytes = options_.max_layer_bytes;
      uo.digests = false;  // the spool hashes the same bytes
      unpacked = UnpackLayer([&](char* buf, size_t len) { return pipe.Read(buf, len); },
                             staging_->dirfd.get(), uo);
      // A failed unpack stops the writer at its next write.
      pipe.Abandon();
    });
    bool abandoned = false;  // the unpack failed first
    Status written = layer([&](std::string_view data) -> Status {
      TRY(spool_->Write(data));
      Status st = pipe.Write(data);
      if (!st) abandoned = true;
      return st;
    });
    pipe.Close(written);
    unpacker.join();
    // The first failure is the one to report: the walk's own, unless it
    // failed only because the unpack had given up.
    if (!written && !abandoned) return written;
    if (!unpacked) return std::unexpected(std::move(unpacked).error());
    TRY(written);
    stats_ = *unpacked;
    blob_ = spool_->Finish();
    return Ok();
  }

  const ContentStore& content_;
  Snapshotter& snapshots_;
  ImageStore& images_;
  const CommitOptions& options_;
  LeasedWrites& writes_;
  std::optional<LayerBlobFile> spool_;
  std::optional<LayerStaging> staging_;
  UnpackStats stats_;
  Digest blob_;
};

}  // namespace

Result<CommitResult> CommitImage(const ContentStore& content, Snapshotter& snapshots,
                                 ImageStore& images, const LayerSourceFn& layer,
                                 const CommitOptions& options) {
  return UnderLease(content, snapshots, images, "commit", [&](LeasedWrites& writes) {
    return Committer(content, snapshots, images, options, writes).Run(layer);
  });
}

}  // namespace berth::image
