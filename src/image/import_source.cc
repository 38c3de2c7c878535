#include "image/import_source.h"

#include <bzlib.h>
#include <lzma.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

namespace berth::image {

namespace {

constexpr size_t kInBufSize = 1 << 20;

// The source with its first bytes (read to detect the format) put back.
struct Replay {
  ReadFn raw;
  std::string head;
  size_t head_pos = 0;

  Result<size_t> Read(char* buf, size_t len) {
    if (head_pos < head.size()) {
      size_t n = std::min(len, head.size() - head_pos);
      std::memcpy(buf, head.data() + head_pos, n);
      head_pos += n;
      return n;
    }
    return raw(buf, len);
  }
};

// One decoder (liblzma or libbz2) behind the pull-style loop both share:
// fill the input when empty, decode into the caller's buffer, stop at the
// end of the last stream.
struct Decoder {
  Replay src;
  uint64_t max_output = 0;
  uint64_t out_total = 0;
  std::unique_ptr<char[]> in{new char[kInBufSize]};
  size_t in_pos = 0, in_len = 0;
  bool source_eof = false, done = false;

  virtual ~Decoder() = default;
  virtual const char* Name() const = 0;
  // Decodes from in[in_pos, in_len) into out; sets `ended` at the end of a
  // stream. Returns the bytes written.
  virtual Result<size_t> Step(char* out, size_t len, bool& ended) = 0;
  // After a stream ended with input left: whether another stream starts
  // (concatenated files decode as one), resetting the decoder for it.
  virtual Result<bool> NextStream() = 0;

  Result<size_t> Read(char* out, size_t len) {
    size_t produced = 0;
    while (produced < len && !done) {
      if (in_pos == in_len && !source_eof) {
        in_pos = 0;
        in_len = TRY(src.Read(in.get(), kInBufSize));
        if (in_len == 0) source_eof = true;
      }
      bool ended = false;
      size_t n = TRY(Step(out + produced, len - produced, ended));
      produced += n;
      out_total += n;
      if (out_total > max_output)
        return Fail("{}: decompressed size exceeds limit {} bytes", Name(), max_output);
      if (ended) {
        if (in_pos == in_len && !source_eof) {
          in_pos = 0;
          in_len = TRY(src.Read(in.get(), kInBufSize));
          if (in_len == 0) source_eof = true;
        }
        if (in_pos == in_len) {
          done = true;
        } else if (!TRY(NextStream())) {
          return Fail("{}: unexpected data after the end of the stream", Name());
        }
      } else if (n == 0 && in_pos == in_len && source_eof) {
        return Fail("{}: unexpected end of compressed data (truncated stream)", Name());
      }
    }
    return produced;
  }
};

struct XzDecoder : Decoder {
  lzma_stream s = LZMA_STREAM_INIT;
  ~XzDecoder() override { lzma_end(&s); }
  const char* Name() const override { return "xz"; }
  Status Init() {
    // LZMA_CONCATENATED: xz files written back to back are one stream, as
    // xz -d reads them.
    if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
      return Fail("xz: cannot initialise the decoder");
    return Ok();
  }
  Result<size_t> Step(char* out, size_t len, bool& ended) override {
    s.next_in = reinterpret_cast<const uint8_t*>(in.get() + in_pos);
    s.avail_in = in_len - in_pos;
    s.next_out = reinterpret_cast<uint8_t*>(out);
    s.avail_out = len;
    lzma_ret rc = lzma_code(&s, source_eof ? LZMA_FINISH : LZMA_RUN);
    in_pos = in_len - s.avail_in;
    size_t n = len - s.avail_out;
    if (rc == LZMA_STREAM_END) {
      ended = true;
    } else if (rc == LZMA_BUF_ERROR && source_eof) {
      return Fail("xz: unexpected end of compressed data (truncated stream)");
    } else if (rc != LZMA_OK && rc != LZMA_BUF_ERROR) {
      return Fail("xz: corrupt compressed data (liblzma error {})", static_cast<int>(rc));
    }
    return n;
  }
  // LZMA_CONCATENATED already consumed every stream and its padding.
  Result<bool> NextStream() override { return false; }
};

struct Bzip2Decoder : Decoder {
  bz_stream s{};
  bool ready = false;
  ~Bzip2Decoder() override {
    if (ready) BZ2_bzDecompressEnd(&s);
  }
  const char* Name() const override { return "bzip2"; }
  Status Init() {
    if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK) return Fail("bzip2: cannot initialise");
    ready = true;
    return Ok();
  }
  Result<size_t> Step(char* out, size_t len, bool& ended) override {
    s.next_in = in.get() + in_pos;
    s.avail_in = static_cast<unsigned>(in_len - in_pos);
    s.next_out = out;
    s.avail_out = static_cast<unsigned>(std::min<size_t>(len, 1u << 30));
    unsigned want = s.avail_out;
    int rc = BZ2_bzDecompress(&s);
    in_pos = in_len - s.avail_in;
    size_t n = want - s.avail_out;
    if (rc == BZ_STREAM_END)
      ended = true;
    else if (rc != BZ_OK)
      return Fail("bzip2: corrupt compressed data (libbz2 error {})", rc);
    return n;
  }
  Result<bool> NextStream() override {
    // pbzip2 and `cat a.bz2 b.bz2` write several streams; each starts "BZh".
    if (in_len - in_pos < 3 || std::memcmp(in.get() + in_pos, "BZh", 3) != 0) return false;
    BZ2_bzDecompressEnd(&s);
    ready = false;
    TRY(Init());
    return true;
  }
};

template <typename D>
Result<ReadFn> Decoded(Replay src, uint64_t max_output) {
  auto d = std::make_shared<D>();
  d->src = std::move(src);
  d->max_output = max_output;
  TRY(d->Init());
  return ReadFn([d](char* buf, size_t len) { return d->Read(buf, len); });
}

}  // namespace

Result<ReadFn> ImportSource(ReadFn raw, uint64_t max_output) {
  Replay src{std::move(raw), std::string(6, '\0')};
  size_t have = 0;
  while (have < src.head.size()) {
    size_t n = TRY(src.raw(src.head.data() + have, src.head.size() - have));
    if (n == 0) break;
    have += n;
  }
  src.head.resize(have);
  std::string_view h = src.head;
  if (h == std::string_view("\xfd"
                            "7zXZ\0",
                            6))
    return Decoded<XzDecoder>(std::move(src), max_output);
  if (h.starts_with("BZh")) return Decoded<Bzip2Decoder>(std::move(src), max_output);
  auto shared = std::make_shared<Replay>(std::move(src));
  return ReadFn([shared](char* buf, size_t len) { return shared->Read(buf, len); });
}

}  // namespace berth::image
