// The content store: blobs (layers, manifests, configs) named by digest at
// <dataroot>/blobs/sha256/<hex>, verified before they are stored.
//
// A blob is written through a BlobWriter: bytes go to a temp file under
// <dataroot>/ingest/ while they are hashed; Commit checks size and digest,
// fsyncs, renames into blobs/ and fsyncs the directory. So at any instant,
// even across kill -9 or power loss, a blob is either absent or complete
// and correct; a wrong one is never stored. Leftover ingest files from a
// killed process are removed by CleanupIngests at daemon start.
//
// Thread safety: ContentStore is immutable after Open and safe to share;
// each BlobWriter belongs to one thread. Concurrent writers of the same
// digest are fine: the last rename wins with identical content.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "image/digest.h"

namespace berth::image {

class BlobWriter {
 public:
  BlobWriter(BlobWriter&&) noexcept;
  BlobWriter& operator=(BlobWriter&&) noexcept;
  ~BlobWriter();  // removes the temp file unless committed

  // Appends bytes. Fails (and the blob can no longer commit) past the
  // expected size or on a write error such as ENOSPC.
  Status Write(std::string_view data);
  int64_t written() const { return written_; }
  // Verifies and stores. The error names the blob: "blob sha256:…: digest
  // mismatch (got sha256:…)", "…: size mismatch (got N, want M)".
  Status Commit();
  void Abort();

 private:
  friend class ContentStore;
  BlobWriter() = default;
  std::string blobs_dir_, temp_path_;
  Digest want_;
  int64_t want_size_ = -1;
  int64_t written_ = 0;
  int64_t flushed_ = 0;  // bytes handed to writeback so far
  UniqueFd fd_;
  Sha256 hash_;
  bool failed_ = false;
};

class ContentStore {
 public:
  // Creates <dataroot>/blobs/sha256 and <dataroot>/ingest if needed.
  static Result<ContentStore> Open(const std::string& dataroot);

  // A writer for the blob `digest`; `size` is -1 when unknown. Only sha256
  // digests are accepted.
  Result<BlobWriter> Writer(const Digest& digest, int64_t size) const;
  // Stores a small blob held in memory (manifests, configs).
  Status Put(const Digest& digest, std::string_view data) const;

  bool Exists(const Digest& d) const;
  // The stored size, or ENOENT.
  Result<int64_t> Size(const Digest& d) const;
  // Reads a whole blob, refusing ones over `max_size` (manifests and configs
  // are small; layers are streamed with Open instead).
  Result<std::string> Read(const Digest& d, int64_t max_size = 16 << 20) const;
  // An O_RDONLY fd of the blob.
  Result<UniqueFd> OpenBlob(const Digest& d) const;
  std::string PathOf(const Digest& d) const;
  // Removes a blob; absent is fine.
  Status Delete(const Digest& d) const;
  // Every stored blob.
  Result<std::vector<Digest>> List() const;
  // Removes every temp file in ingest/ (call at daemon start, before any
  // writer exists). Returns how many there were.
  Result<int> CleanupIngests() const;

 private:
  explicit ContentStore(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

}  // namespace berth::image
