// Streaming decompression of layer blobs.
//
// A layer blob is a tar stream, gzip- or zstd-compressed or not at all
// (image-spec media types ...tar, ...tar+gzip, ...tar+zstd). Which one is
// told by the first bytes, not by the media type, as docker and containerd
// do: gzip starts 1f 8b, zstd 28 b5 2f fd, anything else is taken as plain
// tar (xz and bzip2 are recognised only to refuse them clearly).
//
// The Decompressor is pull-style: it reads compressed bytes from a ReadFn as
// it needs them and hands out decompressed bytes. A caller that wraps its
// ReadFn can hash the compressed stream (the blob digest) while hashing what
// Read returns (the diff_id), with no temporary copy of either.
//
// Concatenated gzip members and zstd frames are decoded as one stream.
// Output is bounded (a decompression bomb stops at the limit, not at ENOSPC).
// Not thread-safe; move-only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "base/error.h"

namespace berth::image {

// Fills up to `len` bytes of `buf` and returns how many; 0 only at the end
// of the stream.
using ReadFn = std::function<Result<size_t>(char* buf, size_t len)>;

enum class Compression { kNone, kGzip, kZstd };
std::string_view CompressionName(Compression c);  // "none", "gzip", "zstd"

class Decompressor {
 public:
  // Reads nothing yet: the format is detected on the first Read.
  // More than `max_output` decompressed bytes is an error ("decompressed
  // size exceeds limit N bytes").
  static Result<Decompressor> Create(ReadFn source, uint64_t max_output);
  ~Decompressor();
  Decompressor(Decompressor&&) noexcept;
  Decompressor& operator=(Decompressor&&) noexcept;

  // Fills `buf` with up to `len` decompressed bytes; returns fewer only at
  // the end of the stream, 0 once it is over. The end is reached only after
  // the source returned 0 and the last member/frame was complete, so a
  // truncated or corrupt stream is an error here, never a silent short read.
  // After an error the Decompressor must not be used again.
  Result<size_t> Read(char* buf, size_t len);

  // Known after the first Read.
  Compression compression() const;
  uint64_t in_total() const;   // compressed bytes taken from the source
  uint64_t out_total() const;  // decompressed bytes handed out

 private:
  struct State;
  explicit Decompressor(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace berth::image
