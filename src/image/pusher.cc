#include "image/pusher.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "base/parallel.h"
#include "spec/image_spec.h"

namespace berth::image {

namespace {

// Registries refuse manifests over 4 MiB; a bigger stored one is not ours.
constexpr int64_t kMaxManifestBytes = 4 << 20;

struct BlobJob {
  Digest blob;
  int64_t size = 0;
};

// A whole small blob (manifest, index) from the store; absence is the
// store's fault, said as such.
Result<std::string> ReadDocument(const ContentStore& content, const Digest& d) {
  auto bytes = content.Read(d, kMaxManifestBytes);
  if (!bytes && bytes.error().code() == ENOENT)
    return FailAs(ENOENT, "manifest {}: missing from the content store", d.String());
  return bytes;
}

// Layers a registry must not be sent: foreign (Windows base) and
// nondistributable ones live at their `urls`, and docker skips them too.
bool IsForeignLayer(const spec::Descriptor& d) {
  return d.media_type == spec::media::kDockerLayerForeign ||
         d.media_type.find(".nondistributable.") != std::string::npos;
}

}  // namespace

Result<PushResult> Pusher::Push(const ImageRecord& image, const Reference& target,
                                const std::vector<std::string>& mount_from,
                                const PushProgressFn& progress_fn) {
  ProgressReporter progress(progress_fn);
  const std::string name = target.FamiliarString();
  auto client = TRY_CTX(RegistryClient::Open(target.domain, options_.registry), "push {}", name);

  // 1. The manifest to push: the target itself, or, for an image pulled
  // through an index, the platform manifest whose config is this image.
  Digest man_digest = image.target;
  std::string media_type = image.target_media_type;
  std::string bytes = TRY_CTX(ReadDocument(content_, man_digest), "push {}", name);
  auto kind = TRY_CTX(spec::ClassifyManifest(media_type, bytes), "push {}: manifest {}", name,
                      man_digest.String());
  if (kind == spec::DocumentKind::kIndex) {
    auto index = TRY_CTX(spec::ParseIndex(bytes), "push {}: index {}", name, man_digest.String());
    bool found = false;
    for (const spec::Descriptor& e : index.manifests) {
      // Only entries this image holds: other platforms were never pulled.
      auto d = ParseDigest(e.digest);
      if (!d || std::find(image.blobs.begin(), image.blobs.end(), *d) == image.blobs.end())
        continue;
      auto b = content_.Read(*d, kMaxManifestBytes);
      if (!b) continue;
      auto k = spec::ClassifyManifest(e.media_type, *b);
      if (!k || *k != spec::DocumentKind::kManifest) continue;
      auto m = spec::ParseManifest(*b);
      if (!m || m->config.digest != image.id.String()) continue;
      man_digest = *d;
      media_type = e.media_type.empty() ? m->media_type : e.media_type;
      bytes = std::move(*b);
      found = true;
      break;
    }
    if (!found)
      return Fail("push {}: index {} has no manifest held here for image {}", name,
                  image.target.String(), image.id.String());
  }
  auto manifest =
      TRY_CTX(spec::ParseManifest(bytes), "push {}: manifest {}", name, man_digest.String());
  if (media_type.empty()) media_type = manifest.media_type;

  // 2. The blobs: layers in parallel, each once even if listed twice, then
  // the config. Each is checked for on the registry, then mounted from a
  // sibling repository, then uploaded.
  BlobJob config{TRY_CTX(ParseDigest(manifest.config.digest), "push {}: config", name),
                 manifest.config.size};
  std::vector<BlobJob> jobs;
  for (const spec::Descriptor& d : manifest.layers) {
    if (IsForeignLayer(d)) continue;
    Digest blob = TRY_CTX(ParseDigest(d.digest), "push {}: layer", name);
    if (std::none_of(jobs.begin(), jobs.end(), [&](const BlobJob& j) { return j.blob == blob; }))
      jobs.push_back({blob, d.size});
  }

  auto push_blob = [&](const BlobJob& j, bool report) -> Status {
    const std::string id = j.blob.Short(), what = "blob " + j.blob.String();
    auto emit = [&](const std::string& status) {
      if (report) progress.Emit(id, status);
    };
    if (TRY_CTX(client->BlobExists(target.path, j.blob), "{}", what)) {
      emit("Layer already exists");
      return Ok();
    }
    // A mount that fails (no pull access to the source, say) is only a
    // missed shortcut: the upload below still works.
    for (const std::string& from : mount_from) {
      if (from == target.path) continue;
      auto mounted = client->MountBlob(target.path, j.blob, from);
      if (mounted && *mounted) {
        emit("Mounted from " + from);
        return Ok();
      }
    }
    auto stored = content_.Size(j.blob);
    if (!stored && stored.error().code() == ENOENT)
      return FailAs(ENOENT, "{}: missing from the content store", what);
    if (!stored) return std::unexpected(std::move(stored).error());
    if (*stored != j.size)
      return Fail("{}: stored size {} differs from the manifest's {}", what, *stored, j.size);
    UniqueFd fd = TRY(content_.OpenBlob(j.blob));
    // pread, not read: the client re-reads from an earlier offset when it
    // retries an upload.
    BlobReader reader = [&](int64_t offset, char* buf, size_t len) -> Result<size_t> {
      for (;;) {
        ssize_t n = ::pread(fd.get(), buf, len, offset);
        if (n >= 0) return static_cast<size_t>(n);
        if (errno != EINTR) return FailErrno("{}: read", what);
      }
    };
    TRY_CTX(client->UploadBlob(target.path, j.blob, j.size, reader, options_.chunk_size,
                               report ? progress.Bytes(id, "Pushing", j.size) : ProgressFn{}),
            "{}", what);
    emit("Pushed");
    return Ok();
  };

  size_t n_threads = std::min<size_t>(std::max(1, options_.max_concurrent), jobs.size());
  for (const BlobJob& j : jobs) progress.Emit(j.blob.Short(), "Preparing");
  for (size_t i = n_threads; i < jobs.size(); i++) progress.Emit(jobs[i].blob.Short(), "Waiting");
  TRY_CTX(RunInParallel(jobs.size(), options_.max_concurrent,
                        [&](size_t i) { return push_blob(jobs[i], true); }),
          "push {}", name);
  TRY_CTX(push_blob(config, false), "push {}", name);

  // 3. The manifest, byte for byte as stored, under the tag (or, for a
  // digest reference, its digest).
  std::string tag = target.tag.empty() ? man_digest.String() : target.tag;
  TRY_CTX(client->PutManifest(target.path, tag, media_type, bytes), "push {}", name);
  return PushResult{man_digest, static_cast<int64_t>(bytes.size())};
}

}  // namespace berth::image
