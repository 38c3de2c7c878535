// A blob whose digest is learned only after it has been read whole: a file
// of a docker-archive named by path ("<v1 id>/layer.tar", "<hex>.json")
// rather than by digest.
//
// The bytes go to an unlinked temp file in the content store's ingest
// directory (so a crash leaves nothing behind) while they are hashed. Once
// Finish has named the blob, the caller protects that digest (a lease) and
// then Store copies the bytes into the content store through a BlobWriter,
// which verifies them again. The content store itself only accepts blobs
// whose digest is known up front, which is why this step exists.
//
// Single owner, not thread-safe; move-only.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "base/unique_fd.h"
#include "image/content_store.h"
#include "image/digest.h"

namespace berth::image {

class SpooledBlob {
 public:
  // A fresh, empty spool in `store`'s ingest directory.
  static Result<SpooledBlob> Create(const ContentStore& store);

  Status Write(std::string_view data);
  // The digest of everything written; no more writes afterwards.
  Digest Finish();
  int64_t size() const { return size_; }
  // Copies the spooled bytes into `store` as the blob Finish named (a
  // no-op when it is already there). Call Finish first.
  Status Store(const ContentStore& store);

 private:
  SpooledBlob() = default;
  UniqueFd fd_;
  Sha256 hash_;
  Digest digest_;
  int64_t size_ = 0;
};

}  // namespace berth::image
