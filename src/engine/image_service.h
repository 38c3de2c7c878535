// The daemon's image operations, as the Docker API's image endpoints need
// them: pull, list, look up by any name docker accepts, tag, remove (with
// docker's untag-or-delete rules), and GC after removal.
//
// Names an image can be given by, resolved in docker's order: a reference
// ("busybox", "busybox:1.36", "host:5000/x@sha256:…"), a full image ID
// ("sha256:<64 hex>" or the bare hex), or a unique prefix of an ID.
//
// Thread safety: every method may be called from any API thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "image/archive_load.h"
#include "image/archive_save.h"
#include "image/content_store.h"
#include "image/decompress.h"
#include "image/image_commit.h"
#include "image/image_store.h"
#include "image/puller.h"
#include "image/pusher.h"
#include "image/snapshotter.h"
#include "image/sqlite_db.h"
#include "spec/image_spec.h"

namespace berth::engine {

// An image with everything inspect, list and history show.
struct ImageDetails {
  image::ImageRecord record;
  spec::ImageConfig config;
  std::vector<std::string> repo_tags;     // familiar "busybox:latest"
  std::vector<std::string> repo_digests;  // familiar "busybox@sha256:…"
  std::vector<std::string> layer_dirs;    // snapshot fs dirs, topmost first
  std::vector<int64_t> layer_sizes;       // unpacked, bottom first, per diff_id
};

// One line of docker's DELETE /images response.
struct DeleteItem {
  std::string untagged;  // familiar reference
  std::string deleted;   // image ID
};

class ImageService {
 public:
  static Result<std::unique_ptr<ImageService>> Open(const std::string& data_root,
                                                    image::PullOptions pull_options);

  // Pulls `ref`. Credentials (from the API's X-Registry-Auth) override the
  // stored ones when set.
  Result<image::PullResult> Pull(const image::Reference& ref,
                                 const std::optional<image::Credentials>& credentials,
                                 const image::PullProgressFn& progress);

  // The image ID `name` names. ENOENT: "No such image: NAME" (docker's
  // wording, with the normalized familiar form of a reference).
  Result<image::Digest> Resolve(const std::string& name);
  Result<ImageDetails> Details(const image::Digest& id);
  Result<std::vector<ImageDetails>> List();

  // Points `target` ("repo[:tag]") at the image `source` names.
  Status Tag(const std::string& source, const std::string& target);

  // docker rmi: a reference that is not the image's only name is untagged;
  // otherwise the image is deleted with all its names, and its content is
  // collected. Deleting by ID an image with several repositories needs
  // `force` (EBUSY otherwise, docker's "must be forced" conflict).
  Result<std::vector<DeleteItem>> Remove(const std::string& name, bool force);

  // docker save: the images `names` name, as one tar stream (docker-archive
  // and OCI layout at once). A reference names the image and is saved as
  // its tag; an ID saves the image untagged. Every name is resolved before
  // the first byte is written.
  Status Save(const std::vector<std::string>& names, const image::ArchiveWriteFn& write);
  // docker load: the images of an archive, tagged as it says.
  Result<std::vector<image::LoadedImage>> Load(const image::ReadFn& read,
                                               const image::LoadProgressFn& progress);

  // docker import: a root filesystem tarball, read from `read` to its end
  // (plain, gzip, zstd, xz or bzip2), as a one-layer image. EINVAL for a bad name,
  // platform or change (nothing is read then); a failed import leaves no
  // image, blob or layer.
  struct ImportRequest {
    std::string repo;                  // "name[:tag]" to tag the image with; empty: untagged
    std::string tag;                   // replaces repo's tag; "latest" when neither names one
    std::string message;               // the history comment
    std::vector<std::string> changes;  // --change lines (image/config_changes.h)
    std::string platform;              // "os[/arch[/variant]]"; empty: the host's
  };
  Result<image::Digest> Import(const image::ReadFn& read, const ImportRequest& request);

  // docker commit's image side (image/image_commit.h): a new image over
  // `options.parent` whose one new layer `layer` writes, tagged `repo`
  // ("name[:tag]"; `tag` replaces its tag; "latest" when neither names
  // one; empty repo: untagged). EINVAL for a bad name, before the layer is
  // written. A failed commit leaves no image, blob or layer.
  Result<image::CommitResult> Commit(const image::LayerSourceFn& layer,
                                     image::CommitOptions options, const std::string& repo,
                                     const std::string& tag);

  // docker image prune: removes untagged images, or with `all` every image
  // (none is in use by a container yet), then collects their content.
  struct PruneResult {
    std::vector<DeleteItem> items;
    int64_t space_reclaimed = 0;  // unpacked layer bytes freed
  };
  Result<PruneResult> Prune(bool all);

  // docker push: the image tagged `ref` to its registry. ENOENT when no
  // image has that name ("An image does not exist locally with the tag:
  // NAME", docker's words).
  Result<image::PushResult> Push(const image::Reference& ref,
                                 const std::optional<image::Credentials>& credentials,
                                 const image::PushProgressFn& progress);

  // The local tags of repository `name` (a reference whose tag and digest
  // are ignored), in lexical order, as docker's push of all tags (no tag
  // given to the API) walks them. ENOENT when there is none: "An image does
  // not exist locally with the tag: NAME", as for a single tag.
  Result<std::vector<image::Reference>> RepositoryTags(const image::Reference& name);

  // docker login's check: whether `server` accepts `credentials`. berthd
  // stores nothing; clients keep logins in their config.json.
  Status Login(const std::string& server, const image::Credentials& credentials);

  // Who uses an image as a container's root, so that rmi and prune keep
  // it (set once by the container service, before serving).
  struct ImageUser {
    std::string container_id;
    bool running = false;
  };
  void SetImageUsers(std::function<std::optional<ImageUser>(const image::Digest&)> fn) {
    image_user_ = std::move(fn);
  }

  std::shared_ptr<image::SqliteDb> db() const { return db_; }
  image::ImageStore& store() { return *images_; }
  image::Snapshotter& snapshots() { return *snapshots_; }
  const image::ContentStore& content() const { return *content_; }

 private:
  ImageService() = default;
  // Removes the image's record and names; `collect` runs GC afterwards.
  Result<std::vector<DeleteItem>> DeleteImage(const image::Digest& id, bool collect = true);
  std::shared_ptr<image::SqliteDb> db_;
  std::optional<image::ContentStore> content_;
  std::optional<image::Snapshotter> snapshots_;
  std::optional<image::ImageStore> images_;
  image::PullOptions pull_options_;
  std::function<std::optional<ImageUser>(const image::Digest&)> image_user_;
};

}  // namespace berth::engine
