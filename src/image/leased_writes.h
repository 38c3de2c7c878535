// The writes of one operation that makes images from a local source
// (import, commit, load): each blob and layer is leased before it is
// stored, so that a GC running meanwhile keeps it, and the lease is dropped
// when the operation ends, by which time the image records hold what they
// need. An operation killed half-way leaves its lease in the image DB; the
// next daemon start expires it (ImageStore::ExpireLeases) and GC then
// reclaims what only the lease held.
//
// Thread safety: one LeasedWrites per operation; the stores it writes to
// are safe to share.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "base/error.h"
#include "image/content_store.h"
#include "image/digest.h"
#include "image/image_store.h"
#include "image/snapshotter.h"

namespace berth::image {

class LeasedWrites {
 public:
  LeasedWrites(const ContentStore& content, Snapshotter& snapshots, ImageStore& images,
               std::string lease)
      : content_(content), snapshots_(snapshots), images_(images), lease_(std::move(lease)) {}

  // Adds d to the lease (before it is stored, or before a record that
  // names it exists).
  Status Protect(LeaseKind kind, const Digest& d);

  // A small blob (config, manifest) leased and stored; returns its digest.
  Result<Digest> PutSmall(const std::string& bytes);

  // The layer unpacked into staging, leased and committed as chain over
  // parent (nullptr for a base layer), or dropped when a layer with that
  // chain ID exists already (the same files imported or committed before:
  // the image shares it). bytes is the layer's unpacked size.
  Status StoreLayer(LayerStaging staging, const Digest& chain, const Digest* parent, int64_t bytes);

 private:
  const ContentStore& content_;
  Snapshotter& snapshots_;
  ImageStore& images_;
  std::string lease_;
};

// Runs run(LeasedWrites&) under a new lease and drops the lease after; an
// error (run's, or the lease's) gets the context `what` ("import").
template <typename Fn>
auto UnderLease(const ContentStore& content, Snapshotter& snapshots, ImageStore& images,
                std::string_view what, Fn&& run) -> decltype(run(std::declval<LeasedWrites&>())) {
  std::string lease = TRY_CTX(images.CreateLease(), "{}", what);
  LeasedWrites writes(content, snapshots, images, lease);
  auto result = run(writes);
  Status dropped = images.DeleteLease(lease);
  if (!result) return std::unexpected(std::move(result).error().Context(std::string(what)));
  TRY_CTX(dropped, "{}", what);
  return result;
}

}  // namespace berth::image
