// The one pass over an image archive's tar stream that `LoadImages` makes:
// which files it holds, each either stored in the content store or (small
// JSON documents) kept in memory, and which names are links to others.
// Only archive_load uses this; it is separate to keep the tar handling
// (paths, entry types, streaming) apart from assembling images.
//
// Files under blobs/sha256/<hex> are streamed into the content store as
// that digest (the BlobWriter verifies it; a blob already stored is not
// rewritten). Other files are hashed as they arrive: the metadata an
// archive names by path (manifest.json, index.json, repositories,
// oci-layout, "<hex>.json"), when small, stays in memory; anything else
// ("<id>/layer.tar") is spooled and stored under its computed digest.
// Every digest is passed to `protect` (the caller's lease) before it is
// written.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "base/error.h"
#include "image/content_store.h"
#include "image/decompress.h"
#include "image/digest.h"

namespace berth::image {

struct ArchiveFile {
  int64_t size = 0;
  std::optional<Digest> stored;  // in the content store under this digest
  std::string data;              // otherwise: the whole file, in memory
};

struct ArchiveContents {
  // Cleaned paths ("blobs/sha256/ab…", "3f…/layer.tar"), no "./" prefix.
  std::map<std::string, ArchiveFile> files;
  // Symbolic and hard links: path -> the archive path they name.
  std::map<std::string, std::string> links;

  // The file at `path` ("./" and "." components allowed), following
  // links; null when absent.
  ArchiveFile* Find(const std::string& path);
  const ArchiveFile* Find(const std::string& path) const;
};

using ProtectFn = std::function<Status(const Digest&)>;

// Reads the tar stream (whole-stream gzip/zstd detected) from `read` to its
// end. Errors name the entry: `entry "../x": path escapes the archive`,
// "blobs/sha256/ab…: Truncated tar archive".
Result<ArchiveContents> ReadArchiveContents(const ContentStore& content, const ReadFn& read,
                                            uint64_t max_bytes, const ProtectFn& protect);

}  // namespace berth::image
