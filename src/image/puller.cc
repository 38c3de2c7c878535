#include "image/puller.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>

#include "base/clock.h"
#include "base/log.h"
#include "base/parallel.h"
#include "image/byte_pipe.h"
#include "image/layer_unpack.h"
#include "image/platform_select.h"
#include "spec/image_spec.h"

namespace berth::image {

namespace {

// Manifests and configs are small; anything bigger is refused unread.
constexpr int64_t kMaxConfigBytes = 16 << 20;

struct LayerJob {
  Digest blob;  // compressed, as the manifest names it
  int64_t size = 0;
  Digest diff_id;  // uncompressed, as the config names it
  Digest chain;
  std::optional<Digest> parent;
  int64_t unpacked = 0;
  bool fetched = false;
};

}  // namespace

Result<PullResult> Puller::Pull(const Reference& ref, const PullProgressFn& progress_fn) {
  ProgressReporter progress(progress_fn);
  const std::string want = ref.digest ? ref.digest->String() : ref.tag;
  const std::string name = ref.FamiliarString();
  auto client = TRY_CTX(RegistryClient::Open(ref.domain, options_.registry), "pull {}", name);

  // Everything this pull writes is leased until the image is recorded, so
  // a GC running meanwhile keeps it; a pull killed mid-way leaves a lease
  // the next daemon start expires.
  std::string lease = TRY_CTX(images_.CreateLease(), "pull {}", name);
  struct LeaseGuard {
    ImageStore& s;
    std::string id;
    ~LeaseGuard() { (void)s.DeleteLease(id); }
  } lease_guard{images_, lease};
  std::vector<Digest> blobs;
  auto keep_blob = [&](const Digest& d, std::string_view bytes) -> Status {
    TRY(images_.LeaseAdd(lease, LeaseKind::kBlob, d));
    if (!content_.Exists(d)) TRY(content_.Put(d, bytes));
    blobs.push_back(d);
    return Ok();
  };

  // 1. Resolve the reference to one manifest.
  // Nothing is reported before the reference resolves, so a missing image
  // is a plain error response, as docker gives it.
  FetchedManifest top = TRY(client->GetManifest(ref.path, want));
  progress.Emit(want, "Pulling from " + ref.path);
  FetchedManifest man = top;
  auto kind = TRY_CTX(spec::ClassifyManifest(top.media_type, top.bytes), "pull {}", name);
  if (kind == spec::DocumentKind::kIndex) {
    auto index = TRY_CTX(spec::ParseIndex(top.bytes), "pull {}", name);
    auto entry = TRY_CTX(SelectPlatform(index, HostPlatform()), "pull {}", name);
    TRY(keep_blob(top.digest, top.bytes));
    man = TRY(client->GetManifest(ref.path, entry.digest));
    if (TRY_CTX(spec::ClassifyManifest(man.media_type, man.bytes), "pull {}", name) !=
        spec::DocumentKind::kManifest)
      return Fail("pull {}: index entry {} is not an image manifest", name, entry.digest);
  }
  auto manifest = TRY_CTX(spec::ParseManifest(man.bytes), "pull {}", name);
  TRY(keep_blob(man.digest, man.bytes));

  // 2. The config: its diff_ids name each layer's uncompressed content.
  Digest config_digest = TRY_CTX(ParseDigest(manifest.config.digest), "pull {}: config", name);
  if (manifest.config.size > kMaxConfigBytes)
    return Fail("pull {}: config {} is too large ({} bytes)", name, config_digest.String(),
                manifest.config.size);
  TRY(images_.LeaseAdd(lease, LeaseKind::kBlob, config_digest));
  if (!content_.Exists(config_digest)) {
    std::string bytes;
    TRY(client->FetchBlob(ref.path, config_digest, manifest.config.size,
                          [&](std::string_view d) -> Status {
                            bytes.append(d);
                            return Ok();
                          }));
    TRY_CTX(content_.Put(config_digest, bytes), "pull {}", name);
  }
  blobs.push_back(config_digest);
  auto config = TRY_CTX(spec::ParseImageConfig(TRY(content_.Read(config_digest))), "pull {}", name);
  if (config.diff_ids.size() != manifest.layers.size())
    return Fail("pull {}: config lists {} layers but the manifest {}", name, config.diff_ids.size(),
                manifest.layers.size());

  // 3. Layers: chain IDs first (each names its snapshot), then fetch and
  // unpack what is missing, in parallel.
  std::vector<LayerJob> jobs(manifest.layers.size());
  std::vector<Digest> diff_ids;
  for (size_t i = 0; i < jobs.size(); i++) {
    LayerJob& j = jobs[i];
    const spec::Descriptor& d = manifest.layers[i];
    if (!spec::IsLayerMediaType(d.media_type))
      return Fail("pull {}: layer {} has unsupported media type {}", name, d.digest, d.media_type);
    if (!d.urls.empty() && d.media_type == std::string(spec::media::kDockerLayerForeign))
      return Fail("pull {}: foreign layer {} is not supported", name, d.digest);
    j.blob = TRY_CTX(ParseDigest(d.digest), "pull {}: layer", name);
    j.size = d.size;
    j.diff_id = TRY_CTX(ParseDigest(config.diff_ids[i]), "pull {}: config diff_ids", name);
    diff_ids.push_back(j.diff_id);
    j.chain = ChainId(diff_ids);
    if (i > 0) j.parent = jobs[i - 1].chain;
    blobs.push_back(j.blob);
    TRY(images_.LeaseAdd(lease, LeaseKind::kBlob, j.blob));
    TRY(images_.LeaseAdd(lease, LeaseKind::kLayer, j.chain));
  }
  for (const LayerJob& j : jobs) {
    bool present = snapshots_.HasLayer(j.chain) && content_.Exists(j.blob);
    progress.Emit(j.blob.Short(), present ? "Already exists" : "Pulling fs layer");
  }

  // Debug timings per layer, in ms since the layers started: where a pull
  // spends its time (network, unpack, the sync before commit).
  const auto t0 = std::chrono::steady_clock::now();
  auto ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t0)
        .count();
  };
  auto run_layer = [&](LayerJob& j) -> Status {
    const std::string id = j.blob.Short();
    const std::string what = fmt::format("layer {}", j.blob.String());
    bool need_unpack = !snapshots_.HasLayer(j.chain), need_blob = !content_.Exists(j.blob);
    if (!need_unpack && !need_blob) {
      j.unpacked = snapshots_.LayerSize(j.chain);
      return Ok();
    }
    j.fetched = true;
    UnpackOptions uo;
    uo.layer = j.blob.String();
    uo.max_uncompressed_bytes = options_.max_layer_bytes;
    auto verify = [&](const UnpackStats& st) -> Status {
      if (st.blob_digest != j.blob)
        return Fail("{}: digest mismatch (got {})", what, st.blob_digest.String());
      if (st.diff_id != j.diff_id)
        return Fail("{}: uncompressed content sha256 {} does not match the config's diff_id {}",
                    what, st.diff_id.String(), j.diff_id.String());
      return Ok();
    };

    if (!need_blob) {  // blob here, snapshot gone: unpack from the store
      progress.Emit(id, "Extracting");
      UniqueFd fd = TRY(content_.OpenBlob(j.blob));
      auto staging = TRY(snapshots_.PrepareLayer());
      auto read = [&](char* buf, size_t len) -> Result<size_t> {
        ssize_t n = ::read(fd.get(), buf, len);
        if (n < 0) return FailErrno("{}: read", what);
        return static_cast<size_t>(n);
      };
      auto st = UnpackLayer(read, staging.dirfd.get(), uo);
      Status ok = st ? verify(*st) : Status(std::unexpected(st.error()));
      if (!ok) {
        snapshots_.AbortLayer(std::move(staging));
        return ok;
      }
      j.unpacked = static_cast<int64_t>(st->uncompressed_size);
      TRY(snapshots_.CommitLayer(std::move(staging), j.chain, j.parent ? &*j.parent : nullptr,
                                 j.unpacked));
      progress.Emit(id, "Pull complete");
      return Ok();
    }

    auto writer = TRY(content_.Writer(j.blob, j.size));
    auto on_progress = progress.Bytes(id, "Downloading", j.size);
    if (!need_unpack) {  // snapshot here, blob gone: fetch the blob only
      TRY(client->FetchBlob(
          ref.path, j.blob, j.size, [&](std::string_view d) { return writer.Write(d); },
          on_progress));
      TRY(writer.Commit());
      j.unpacked = snapshots_.LayerSize(j.chain);
      progress.Emit(id, "Download complete");
      return Ok();
    }

    // Download and unpack at once: the download thread feeds the content
    // store's writer and the pipe; this thread unpacks from the pipe.
    auto staging = TRY(snapshots_.PrepareLayer());
    // If the unpack fails first, the download still completes into the
    // store's writer alone: a corrupt blob then reports its digest
    // mismatch (the cause) rather than the decompressor's complaint.
    BytePipe pipe;
    Status fetched;
    std::atomic<bool> unpack_failed{false};
    std::thread download([&] {
      fetched = client->FetchBlob(
          ref.path, j.blob, j.size,
          [&](std::string_view d) -> Status {
            TRY(writer.Write(d));
            if (!unpack_failed) (void)pipe.Write(d);
            return Ok();
          },
          on_progress);
      pipe.Close(fetched);
    });
    auto st = UnpackLayer([&](char* buf, size_t len) { return pipe.Read(buf, len); },
                          staging.dirfd.get(), uo);
    if (!st) {
      unpack_failed = true;
      pipe.Abandon();
    }
    const auto unpacked_at = ms();
    download.join();
    const auto downloaded_at = ms();
    Status ok = !fetched ? fetched : Ok();
    if (ok) {
      if (st) progress.Emit(id, "Verifying Checksum");
      ok = writer.Commit();  // checks size and digest
    }
    if (ok && !st) ok = std::unexpected(st.error());
    if (ok) ok = verify(*st);
    if (!ok) {
      snapshots_.AbortLayer(std::move(staging));
      return ok;
    }
    progress.Emit(id, "Download complete");
    j.unpacked = static_cast<int64_t>(st->uncompressed_size);
    progress.Emit(id, "Extracting", j.unpacked, j.unpacked);
    TRY(snapshots_.CommitLayer(std::move(staging), j.chain, j.parent ? &*j.parent : nullptr,
                               j.unpacked));
    log::Debug("pull {}: layer {}: unpacked at {} ms, downloaded at {} ms, committed at {} ms",
               name, id, unpacked_at, downloaded_at, ms());
    progress.Emit(id, "Pull complete");
    return Ok();
  };

  TRY_CTX(RunInParallel(jobs.size(), options_.max_concurrent,
                        [&](size_t i) { return run_layer(jobs[i]); }),
          "pull {}", name);

  // 4. Record the image, then its names.
  ImageRecord rec;
  rec.id = config_digest;
  rec.target = top.digest;
  rec.target_media_type = top.media_type;
  if (!jobs.empty()) rec.top_chain = jobs.back().chain;
  rec.blobs = blobs;
  for (const LayerJob& j : jobs) rec.size += j.unpacked;
  rec.created = ParseRfc3339Seconds(config.created);
  auto existing = TRY(images_.GetImage(rec.id));
  TRY_CTX(images_.PutImage(rec), "pull {}", name);
  PullResult result{rec.id, top.digest, false};
  for (const LayerJob& j : jobs) result.downloaded |= j.fetched;
  if (!existing) result.downloaded = true;
  if (!ref.tag.empty() && !ref.digest) {
    auto prev = TRY(images_.SetTag(ref.Name() + ":" + ref.tag, rec.id));
    if (!prev || *prev != rec.id) result.downloaded = true;
  }
  TRY(images_.SetTag(ref.Name() + "@" + top.digest.String(), rec.id));
  return result;
}

}  // namespace berth::image
