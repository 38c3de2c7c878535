// Image records, tags and leases, in the SQLite DB (berth.db).
//
// An image is named by its ID, the digest of its config blob (as docker
// names images). Its record lists every blob it needs (manifest, config,
// layers; for a pull of a multi-platform image also the index) and the
// chain ID of its top layer; blobs and layer snapshots themselves live in
// the content store and the snapshotter. A tag is a normalized reference
// ("docker.io/library/busybox:latest", or "name@sha256:…" for a digest
// reference, docker's RepoDigests) pointing at one image ID.
//
// A lease protects what an operation in progress has written but not yet
// recorded in an image (a pull's blobs and layers) from garbage collection.
// Leases live in the DB too, so a daemon killed mid-pull leaves leases that
// ExpireLeases (at start) drops, after which GC reclaims their content.
//
// Thread safety: safe to share; every call is one transaction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "image/digest.h"
#include "image/sqlite_db.h"

namespace berth::image {

struct ImageRecord {
  Digest id;                        // config digest
  Digest target;                    // manifest digest (or index, as pulled)
  std::string target_media_type;    // of `target`
  std::optional<Digest> top_chain;  // chain ID of the top layer; none for 0 layers
  std::vector<Digest> blobs;        // every blob the image holds on to
  int64_t size = 0;                 // unpacked size of all layers, bytes
  int64_t created = 0;              // unix seconds, from the config
  int64_t pulled = 0;               // unix seconds, when recorded
};

enum class LeaseKind { kBlob, kLayer };

class ImageStore {
 public:
  // Opens the store's tables in `db` (created if missing).
  static Result<ImageStore> Open(std::shared_ptr<SqliteDb> db);

  // Inserts or replaces an image record.
  Status PutImage(const ImageRecord& rec);
  Result<std::optional<ImageRecord>> GetImage(const Digest& id);
  Result<std::vector<ImageRecord>> ListImages();
  // Removes the record and every tag pointing at it.
  Status DeleteImage(const Digest& id);
  // IDs starting with `prefix` (hex, no "sha256:"), for docker's short IDs.
  Result<std::vector<Digest>> FindByIdPrefix(const std::string& prefix);

  // Points `ref` (a normalized reference string) at `id`, replacing what it
  // pointed at before; returns the previous image, if any.
  Result<std::optional<Digest>> SetTag(const std::string& ref, const Digest& id);
  Result<std::optional<Digest>> ResolveTag(const std::string& ref);
  // Removes a tag; false when it did not exist.
  Result<bool> DeleteTag(const std::string& ref);
  Result<std::vector<std::string>> TagsOf(const Digest& id);

  // Leases.
  Result<std::string> CreateLease();
  // Records that `lease` holds `what` (a blob digest or a layer chain ID).
  // Call it before the content is written, so GC never sees the content
  // unprotected.
  Status LeaseAdd(const std::string& lease, LeaseKind kind, const Digest& what);
  Status DeleteLease(const std::string& lease);
  // Drops every lease (at daemon start: their owners died with the last
  // daemon). Returns how many.
  Result<int64_t> ExpireLeases();

  // What GC must keep: every blob and layer chain named by an image or a
  // lease. Layers are top chain IDs; the caller expands parents.
  struct Roots {
    std::vector<Digest> blobs;
    std::vector<Digest> layers;
  };
  Result<Roots> GcRoots();

 private:
  explicit ImageStore(std::shared_ptr<SqliteDb> db) : db_(std::move(db)) {}
  std::shared_ptr<SqliteDb> db_;
};

}  // namespace berth::image
