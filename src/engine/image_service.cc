#include "engine/image_service.h"

#include <algorithm>
#include <set>

#include "base/fs.h"
#include "image/gc.h"
#include "image/image_import.h"
#include "image/platform_select.h"
#include "image/reference.h"

namespace berth::engine {

using image::Digest;
using image::Reference;

namespace {

// The key a reference is stored under: "domain/path:tag" or
// "domain/path@sha256:…".
std::string TagKey(const Reference& r) {
  return r.digest ? r.Name() + "@" + r.digest->String() : r.Name() + ":" + r.tag;
}

std::string Familiar(const std::string& stored) {
  auto r = image::ParseReference(stored);
  return r ? r->FamiliarString() : stored;
}

bool IsDigestKey(const std::string& key) { return key.find('@') != std::string::npos; }

std::string RepoOf(const std::string& key) {
  if (size_t at = key.find('@'); at != std::string::npos) return key.substr(0, at);
  size_t slash = key.rfind('/'), colon = key.rfind(':');
  return colon != std::string::npos && (slash == std::string::npos || colon > slash)
             ? key.substr(0, colon)
             : key;
}

}  // namespace

Result<std::unique_ptr<ImageService>> ImageService::Open(const std::string& data_root,
                                                         image::PullOptions pull_options) {
  std::unique_ptr<ImageService> s(new ImageService());
  TRY(MkdirAll(data_root, 0711));
  s->db_ = std::shared_ptr<image::SqliteDb>(TRY(image::SqliteDb::Open(data_root + "/berth.db")));
  s->content_.emplace(TRY(image::ContentStore::Open(data_root)));
  s->snapshots_.emplace(TRY(image::Snapshotter::Open(data_root + "/snapshots")));
  s->images_.emplace(TRY(image::ImageStore::Open(s->db_)));
  s->pull_options_ = std::move(pull_options);
  // Whatever instant the last daemon died at, make the store consistent:
  // its pulls are over, their temp files and unrecorded content go.
  TRY(s->content_->CleanupIngests());
  TRY(s->images_->ExpireLeases());
  TRY(image::CollectGarbage(*s->images_, *s->content_, *s->snapshots_));
  return s;
}

Result<image::PullResult> ImageService::Pull(const Reference& ref,
                                             const std::optional<image::Credentials>& credentials,
                                             const image::PullProgressFn& progress) {
  image::PullOptions opts = pull_options_;
  if (credentials) opts.registry.credentials = credentials;
  image::Puller puller(*content_, *snapshots_, *images_, std::move(opts));
  auto r = puller.Pull(ref, progress);
  // A failed pull leaves nothing: what it completed is no longer leased,
  // and other operations' content is under their own leases.
  if (!r) (void)image::CollectGarbage(*images_, *content_, *snapshots_);
  return r;
}

Result<Digest> ImageService::Resolve(const std::string& name) {
  if (name.starts_with("sha256:")) {
    auto d = image::ParseDigest(name);
    if (d && TRY(images_->GetImage(*d))) return *d;
    return FailAs(ENOENT, "No such image: {}", name);
  }
  auto ref = image::ParseReference(name);
  if (ref) {
    if (auto id = TRY(images_->ResolveTag(TagKey(*ref)))) return *id;
  }
  if (image::LooksLikeImageId(name)) {
    auto found = TRY(images_->FindByIdPrefix(name));
    if (found.size() == 1) return found[0];
    if (found.size() > 1)
      return FailAs(EINVAL, "image ID prefix {} is ambiguous ({} images match)", name,
                    found.size());
  }
  return FailAs(ENOENT, "No such image: {}", ref ? ref->FamiliarString() : name);
}

Result<ImageDetails> ImageService::Details(const Digest& id) {
  ImageDetails d;
  auto rec = TRY(images_->GetImage(id));
  if (!rec) return FailAs(ENOENT, "No such image: {}", id.String());
  d.record = std::move(*rec);
  d.config = TRY_CTX(spec::ParseImageConfig(TRY(content_->Read(id))), "image {}", id.Short());
  for (const std::string& key : TRY(images_->TagsOf(id)))
    (IsDigestKey(key) ? d.repo_digests : d.repo_tags).push_back(Familiar(key));
  if (d.record.top_chain) {
    if (auto dirs = snapshots_->LowerDirs(*d.record.top_chain)) d.layer_dirs = std::move(*dirs);
    if (auto chain = snapshots_->Ancestry(*d.record.top_chain)) {
      for (auto it = chain->rbegin(); it != chain->rend(); ++it)
        d.layer_sizes.push_back(snapshots_->LayerSize(*it));
    }
  }
  return d;
}

Result<std::vector<ImageDetails>> ImageService::List() {
  std::vector<ImageDetails> out;
  for (const image::ImageRecord& r : TRY(images_->ListImages())) {
    auto d = Details(r.id);
    if (d) out.push_back(std::move(*d));
  }
  return out;
}

Status ImageService::Tag(const std::string& source, const std::string& target) {
  Digest id = TRY(Resolve(source));
  auto ref = TRY(image::ParseReference(target));
  if (ref.digest) return Fail("refusing to create a tag with a digest reference");
  TRY(images_->SetTag(TagKey(ref), id));
  return Ok();
}

Result<std::vector<DeleteItem>> ImageService::Remove(const std::string& name, bool force) {
  Digest id = TRY(Resolve(name));
  std::vector<std::string> keys = TRY(images_->TagsOf(id));
  std::vector<DeleteItem> items;
  auto ref = image::ParseReference(name);
  bool by_ref = ref && std::find(keys.begin(), keys.end(), TagKey(*ref)) != keys.end();
  // A container's root is made of the image's layers: docker keeps an
  // image in use, and with force only takes its names away.
  std::optional<ImageUser> user;
  if (image_user_) user = image_user_(id);
  if (user && user->running && !by_ref)
    return FailAs(EBUSY,
                  "conflict: unable to delete {} (cannot be forced) - image is being used by "
                  "running container {}",
                  id.Short(), user->container_id.substr(0, 12));
  if (user && !force) {
    bool last_name = keys.size() == 1;
    if (!by_ref)
      return FailAs(EBUSY,
                    "conflict: unable to delete {} (must be forced) - image is being used by "
                    "stopped container {}",
                    id.Short(), user->container_id.substr(0, 12));
    if (last_name)
      return FailAs(EBUSY,
                    "conflict: unable to remove repository reference \"{}\" (must force) - "
                    "container {} is using its referenced image {}",
                    name, user->container_id.substr(0, 12), id.Short());
  }
  if (by_ref) {
    // Untag the name given; the image goes only with its last name. A tag
    // removed leaves no orphan digest names of the same repository.
    std::string key = TagKey(*ref);
    TRY(images_->DeleteTag(key));
    items.push_back({Familiar(key), ""});
    keys = TRY(images_->TagsOf(id));
    if (!ref->digest) {
      std::string repo = ref->Name();
      bool repo_tag_left = std::any_of(keys.begin(), keys.end(), [&](const std::string& k) {
        return !IsDigestKey(k) && RepoOf(k) == repo;
      });
      if (!repo_tag_left) {
        for (const std::string& k : keys)
          if (IsDigestKey(k) && RepoOf(k) == repo) {
            TRY(images_->DeleteTag(k));
            items.push_back({Familiar(k), ""});
          }
        keys = TRY(images_->TagsOf(id));
      }
    }
    if (!keys.empty() || user) return items;
  } else if (user) {
    // Forced, over a stopped container: untagged, kept.
    for (const std::string& k : keys) {
      TRY(images_->DeleteTag(k));
      items.push_back({Familiar(k), ""});
    }
    return items;
  } else if (!force) {
    std::set<std::string> repos;
    for (const std::string& k : keys) repos.insert(RepoOf(k));
    if (repos.size() > 1)
      return FailAs(EBUSY,
                    "conflict: unable to delete {} (must be forced) - image is referenced "
                    "in multiple repositories",
                    id.Short());
  }
  auto rest = TRY(DeleteImage(id));
  items.insert(items.end(), rest.begin(), rest.end());
  return items;
}

Status ImageService::Save(const std::vector<std::string>& names,
                          const image::ArchiveWriteFn& write) {
  std::vector<image::SaveImage> to_save;
  for (const std::string& name : names) {
    Digest id = TRY(Resolve(name));
    auto it = std::find_if(to_save.begin(), to_save.end(),
                           [&](const image::SaveImage& s) { return s.id == id; });
    if (it == to_save.end()) it = to_save.insert(to_save.end(), image::SaveImage{id, {}});
    auto ref = image::ParseReference(name);
    // Saved under the name only when the name is one of its tags.
    if (ref && !ref->digest && TRY(images_->ResolveTag(TagKey(*ref))) == std::optional(id))
      it->refs.push_back(TagKey(*ref));
  }
  return image::SaveImages(*content_, *images_, to_save, image::ArchiveFormat::kDockerAndOci,
                           write);
}

Result<std::vector<image::LoadedImage>> ImageService::Load(const image::ReadFn& read,
                                                           const image::LoadProgressFn& progress) {
  image::LoadOptions opts;
  opts.max_layer_bytes = pull_options_.max_layer_bytes;
  auto r = image::LoadImages(*content_, *snapshots_, *images_, read, progress, opts);
  if (!r) (void)image::CollectGarbage(*images_, *content_, *snapshots_);
  return r;
}

Result<Digest> ImageService::Import(const image::ReadFn& read, const ImportRequest& request) {
  image::ImportOptions opts;
  opts.changes = request.changes;
  opts.message = request.message;
  opts.max_layer_bytes = pull_options_.max_layer_bytes;
  opts.platform = image::HostPlatform();
  if (!request.platform.empty()) opts.platform = TRY(image::ParsePlatform(request.platform));
  // The name, as docker reads repo and tag: a digest cannot name what is
  // being made, and the tag parameter wins over one in repo.
  if (!request.repo.empty()) {
    auto ref = image::ParseReference(request.repo);
    if (!ref) return FailAs(EINVAL, "{}", ref.error().What());
    if (ref->digest) return FailAs(EINVAL, "cannot import digest reference");
    if (!request.tag.empty()) {
      ref = image::ParseReference(ref->Name() + ":" + request.tag);
      if (!ref) return FailAs(EINVAL, "{}", ref.error().What());
    }
    opts.tag = TagKey(*ref);
  }
  auto r = image::ImportImage(*content_, *snapshots_, *images_, read, opts);
  // What a failed import stored (its blob, once the tar was whole) is no
  // longer leased: collect it now.
  if (!r) (void)image::CollectGarbage(*images_, *content_, *snapshots_);
  return r;
}

Result<image::CommitResult> ImageService::Commit(const image::LayerSourceFn& layer,
                                                 image::CommitOptions options,
                                                 const std::string& repo, const std::string& tag) {
  // The name first, as docker reads repo and tag: a bad one costs no layer.
  if (!repo.empty()) {
    auto ref = image::ParseReference(repo);
    if (!ref) return FailAs(EINVAL, "{}", ref.error().What());
    if (ref->digest) return FailAs(EINVAL, "refusing to create a tag with a digest reference");
    if (!tag.empty()) {
      ref = image::ParseReference(ref->Name() + ":" + tag);
      if (!ref) return FailAs(EINVAL, "{}", ref.error().What());
    }
    options.tag = TagKey(*ref);
  } else if (!tag.empty()) {
    return FailAs(EINVAL, "tag {:?} given without a repository", tag);
  }
  options.max_layer_bytes = pull_options_.max_layer_bytes;
  auto r = image::CommitImage(*content_, *snapshots_, *images_, layer, options);
  if (!r) (void)image::CollectGarbage(*images_, *content_, *snapshots_);
  return r;
}

Result<std::vector<DeleteItem>> ImageService::DeleteImage(const Digest& id, bool collect) {
  std::vector<DeleteItem> items;
  for (const std::string& k : TRY(images_->TagsOf(id))) items.push_back({Familiar(k), ""});
  TRY(images_->DeleteImage(id));
  items.push_back({"", id.String()});
  if (collect)
    TRY_CTX(image::CollectGarbage(*images_, *content_, *snapshots_), "delete image {}", id.Short());
  return items;
}

Result<image::PushResult> ImageService::Push(const Reference& ref,
                                             const std::optional<image::Credentials>& credentials,
                                             const image::PushProgressFn& progress) {
  auto id = TRY(images_->ResolveTag(TagKey(ref)));
  if (!id)
    return FailAs(ENOENT, "An image does not exist locally with the tag: {}", ref.FamiliarName());
  auto rec = TRY(images_->GetImage(*id));
  if (!rec) return FailAs(ENOENT, "No such image: {}", ref.FamiliarString());
  // The image's other names on the same registry may hold its blobs
  // already: the registry can link them instead of receiving them again.
  std::vector<std::string> mount_from;
  for (const std::string& k : TRY(images_->TagsOf(*id))) {
    auto other = image::ParseReference(k);
    if (other && other->domain == ref.domain && other->path != ref.path)
      mount_from.push_back(other->path);
  }
  image::PushOptions opts;
  opts.registry = pull_options_.registry;
  if (credentials) opts.registry.credentials = credentials;
  image::Pusher pusher(*content_, *images_, std::move(opts));
  return pusher.Push(*rec, ref, mount_from, progress);
}

Result<std::vector<Reference>> ImageService::RepositoryTags(const Reference& name) {
  std::set<std::string> keys;
  for (const image::ImageRecord& r : TRY(images_->ListImages()))
    for (const std::string& k : TRY(images_->TagsOf(r.id)))
      if (!IsDigestKey(k) && RepoOf(k) == name.Name()) keys.insert(k);
  if (keys.empty())
    return FailAs(ENOENT, "An image does not exist locally with the tag: {}", name.FamiliarName());
  std::vector<Reference> tags;
  for (const std::string& k : keys) tags.push_back(TRY(image::ParseReference(k)));
  return tags;
}

Status ImageService::Login(const std::string& server, const image::Credentials& credentials) {
  return image::RegistryClient::Login(server.empty() ? "docker.io" : server, credentials,
                                      pull_options_.registry);
}

Result<ImageService::PruneResult> ImageService::Prune(bool all) {
  PruneResult result;
  for (const image::ImageRecord& r : TRY(images_->ListImages())) {
    auto keys = TRY(images_->TagsOf(r.id));
    bool tagged =
        std::any_of(keys.begin(), keys.end(), [](const std::string& k) { return !IsDigestKey(k); });
    if (tagged && !all) continue;
    if (image_user_ && image_user_(r.id)) continue;
    auto items = TRY(DeleteImage(r.id, false));
    result.items.insert(result.items.end(), items.begin(), items.end());
  }
  auto gc = TRY_CTX(image::CollectGarbage(*images_, *content_, *snapshots_), "prune");
  result.space_reclaimed = gc.layer_bytes_freed;
  return result;
}

}  // namespace berth::engine
