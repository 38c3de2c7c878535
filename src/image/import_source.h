// The tarball of an import as layer_unpack can read it.
//
// docker import takes a tarball plain or gzip, zstd, xz or bzip2
// compressed. Layers are only ever plain, gzip or zstd, which
// layer_unpack's Decompressor reads (and keeps as the stored blob); xz and
// bzip2 are decoded here, so that the tar they hold becomes the stored
// blob (plain: a registry has no media type for xz or bzip2 layers).
//
// The first bytes are read to tell which (short reads of the source are
// fine) and handed on; nothing else is buffered.
// Single owner, not thread-safe.
#pragma once

#include <cstdint>

#include "base/error.h"
#include "image/decompress.h"

namespace berth::image {

// `raw` as it is, unless it is xz or bzip2: then its decoded tar, bounded
// by `max_output` bytes ("xz: decompressed size exceeds limit N bytes").
// A truncated or corrupt stream is an error of a later read.
Result<ReadFn> ImportSource(ReadFn raw, uint64_t max_output);

}  // namespace berth::image
