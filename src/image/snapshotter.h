// Overlay snapshots: the image layers as overlayfs lower directories, and
// the writable upper + work directories a container's root adds on top.
//
// Layout under <dataroot>/snapshots:
//   layers/<chain-id hex>/fs      one layer's own files (its diff, with
//                                 overlay whiteouts), read-only once committed
//   layers/<chain-id hex>/parent  the parent layer's chain ID ("" for a base)
//   active/<key>/{upper,work}     a container's writable layer
//   staging/<random>/             a layer being unpacked; renamed into
//                                 layers/ only when complete
// A layer is named by its chain ID (image-spec: the chain of diff_ids below
// it), so every image that has the same layers over the same parents shares
// one directory. Committing is a rename, so after a crash a layer is either
// absent or whole; leftovers in staging/ are removed by Open.
//
// Deciding what is still in use (images, containers) is the caller's job
// (the metadata DB and GC); the snapshotter only does what it is told.
// Thread safety: distinct layers and keys may be worked on concurrently;
// the same key from two threads is not supported.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "image/digest.h"
#include "spec/runtime_spec.h"

namespace berth::image {

// chain(L0) = diff_id(L0); chain(Ln) = sha256(chain(Ln-1) + " " + diff_id(Ln)).
Digest ChainId(std::span<const Digest> diff_ids);

// A layer directory being filled: unpack into `dir` (or through `dirfd`),
// then CommitLayer or AbortLayer.
struct LayerStaging {
  std::string path;  // staging/<random>
  std::string dir;   // path + "/fs": the root to unpack into
  UniqueFd dirfd;    // open O_PATH-free directory fd of `dir`
};

class Snapshotter {
 public:
  // Creates the directories if needed and removes leftover staging dirs.
  static Result<Snapshotter> Open(const std::string& root);

  const std::string& root() const { return root_; }

  bool HasLayer(const Digest& chain_id) const;
  // A fresh, empty staging directory.
  Result<LayerStaging> PrepareLayer();
  // Moves a filled staging dir into place as `chain_id` over `parent` (empty
  // algorithm for a base layer). If another pull committed the same layer
  // meanwhile, the staging dir is dropped and that one kept. `size` is the
  // layer's unpacked size in bytes, kept for LayerSize.
  Status CommitLayer(LayerStaging staging, const Digest& chain_id, const Digest* parent,
                     int64_t size = 0);
  // The size given to CommitLayer (0 when unknown).
  int64_t LayerSize(const Digest& chain_id) const;
  // Removes a staging dir (after a failed unpack).
  void AbortLayer(LayerStaging staging);
  // The fs/ directories of `chain_id` and its ancestors, topmost first: the
  // order overlayfs wants lower directories in.
  Result<std::vector<std::string>> LowerDirs(const Digest& chain_id) const;
  // The chain IDs of `chain_id` and its ancestors, topmost first.
  Result<std::vector<Digest>> Ancestry(const Digest& chain_id) const;
  // Removes a committed layer. The caller guarantees nothing uses it.
  Status RemoveLayer(const Digest& chain_id);
  // Every committed layer's chain ID.
  Result<std::vector<Digest>> Layers() const;

  // Creates active/<key>/{upper,work}. `key` is [A-Za-z0-9_.-]+.
  Status CreateActive(const std::string& key);
  // Mounts overlayfs at `target`: the layers of `chain_id` under the upper
  // dir of `key`. Any number of layers: lower directories are passed one by
  // one (fsconfig "lowerdir+", Linux 6.8+), so no option string limits the
  // depth; older kernels get the classic lowerdir= string.
  Status MountActive(const std::string& key, const Digest& chain_id, const std::string& target);
  // MountActive for a container in a user namespace (userns-remap): the
  // layers, owned on disk by host ids, appear through `uids`/`gids` (the
  // container's maps: on-disk id K shows as the host id container id K
  // maps to), so the container sees its image owned by its own root; the
  // upper dir's root is given to the remapped root so that it may write
  // "/", and what it writes lands owned by its host ids. Each lower dir is
  // an idmapped mount handed to overlayfs by fd (Linux 6.13+); where the
  // kernel refuses that, the layers are copied under active/<key>/lowers
  // with their owners shifted, and the shared layers are never touched.
  Status MountActiveRemapped(const std::string& key, const Digest& chain_id,
                             const std::string& target, const std::vector<spec::IdMapping>& uids,
                             const std::vector<spec::IdMapping>& gids);
  // Mounts the layers alone, read-only (no upper): for inspecting an image.
  Status MountReadOnly(const Digest& chain_id, const std::string& target);
  Status RemoveActive(const std::string& key);
  std::string UpperDir(const std::string& key) const;

 private:
  explicit Snapshotter(std::string root) : root_(std::move(root)) {}
  std::string LayerPath(const Digest& chain_id) const;
  std::string root_;
};

}  // namespace berth::image
