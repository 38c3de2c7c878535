#include "image/decompress.h"

#include <zlib.h>
#include <zstd.h>

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "image/test_blobs.h"

namespace berth::image {
namespace {

using test_blobs::Gzip;

std::string RandomBytes(size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() % 7);  // compressible, not trivial
  return s;
}

std::string Zstd(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// A source over `data` that hands out at most `chunk` bytes per call, as a
// network source would.
ReadFn SourceOf(const std::string& data, size_t chunk = 1 << 20) {
  auto pos = std::make_shared<size_t>(0);
  return [&data, pos, chunk](char* buf, size_t len) -> Result<size_t> {
    size_t n = std::min({len, chunk, data.size() - *pos});
    std::memcpy(buf, data.data() + *pos, n);
    *pos += n;
    return n;
  };
}

Result<std::string> ReadAll(Decompressor& d, size_t buf_size = 1 << 20) {
  std::string out, buf(buf_size, '\0');
  for (;;) {
    size_t n = TRY(d.Read(buf.data(), buf.size()));
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}

Result<std::string> Decompress(const std::string& in, uint64_t limit = 1 << 30,
                               size_t chunk = 1 << 20, Compression* seen = nullptr) {
  auto d = TRY(Decompressor::Create(SourceOf(in, chunk), limit));
  std::string out = TRY(ReadAll(d, 100003));
  EXPECT_EQ(d.in_total(), in.size());
  EXPECT_EQ(d.out_total(), out.size());
  if (seen) *seen = d.compression();
  return out;
}

TEST(DecompressTest, DetectsEachFormatAndRoundTrips) {
  std::string data = RandomBytes((1 << 20) + 12345);
  Compression c;
  auto plain = Decompress(data, 1 << 30, 1 << 20, &c);
  ASSERT_TRUE(plain) << plain.error().What();
  EXPECT_EQ(*plain, data);
  EXPECT_EQ(c, Compression::kNone);

  auto gz = Decompress(Gzip(data), 1 << 30, 1 << 20, &c);
  ASSERT_TRUE(gz) << gz.error().What();
  EXPECT_EQ(*gz, data);
  EXPECT_EQ(c, Compression::kGzip);

  auto zs = Decompress(Zstd(data), 1 << 30, 1 << 20, &c);
  ASSERT_TRUE(zs) << zs.error().What();
  EXPECT_EQ(*zs, data);
  EXPECT_EQ(c, Compression::kZstd);
}

TEST(DecompressTest, ToleratesTinySourceReads) {
  std::string data = RandomBytes(200000, 2);
  for (const std::string& in : {data, Gzip(data), Zstd(data)}) {
    auto out = Decompress(in, 1 << 30, 1);
    ASSERT_TRUE(out) << out.error().What();
    EXPECT_EQ(*out, data);
  }
}

TEST(DecompressTest, ConcatenatedGzipMembersAndZstdFramesAreOneStream) {
  std::string a = RandomBytes(100000, 3), b = RandomBytes(50000, 4);
  auto gz = Decompress(Gzip(a) + Gzip(b));
  ASSERT_TRUE(gz) << gz.error().What();
  EXPECT_EQ(*gz, a + b);
  auto zs = Decompress(Zstd(a) + Zstd(b));
  ASSERT_TRUE(zs) << zs.error().What();
  EXPECT_EQ(*zs, a + b);
}

TEST(DecompressTest, EmptyStreamIsEmpty) {
  auto out = Decompress("");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "");
}

TEST(DecompressTest, TruncatedStreamsFailClearly) {
  std::string data = RandomBytes(500000, 5);
  std::string gz = Gzip(data), zs = Zstd(data);
  // Cut in the middle of the data, and just before the gzip trailer.
  for (size_t cut : {gz.size() / 2, gz.size() - 4}) {
    auto out = Decompress(gz.substr(0, cut));
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().What(), "gzip: unexpected end of compressed data (truncated stream)");
  }
  auto out = Decompress(zs.substr(0, zs.size() / 2));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().What(), "zstd: unexpected end of compressed data (truncated stream)");
}

TEST(DecompressTest, CorruptStreamsFailClearly) {
  std::string data = RandomBytes(500000, 6);
  std::string gz = Gzip(data);
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 64; ++i) gz[i] ^= 0x5a;
  auto out = Decompress(gz);
  ASSERT_FALSE(out);
  EXPECT_TRUE(out.error().What().starts_with("gzip: corrupt compressed data"))
      << out.error().What();

  // A flipped byte in the CRC trailer: the data decodes, the check fails.
  std::string crc = Gzip(data);
  crc[crc.size() - 6] ^= 1;
  out = Decompress(crc);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().What(), "gzip: corrupt compressed data (incorrect data check)");

  std::string zs = Zstd(data);
  for (size_t i = zs.size() / 2; i < zs.size() / 2 + 64; ++i) zs[i] ^= 0x5a;
  out = Decompress(zs);
  ASSERT_FALSE(out);
  EXPECT_TRUE(out.error().What().starts_with("zstd: corrupt compressed data"))
      << out.error().What();

  out = Decompress(Gzip(data) + "garbage");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().What(), "gzip: unexpected data after the end of the stream");
}

TEST(DecompressTest, RefusesOtherCompressions) {
  auto xz =
      Decompress(std::string("\xfd"
                             "7zXZ\0rest",
                             10));
  ASSERT_FALSE(xz);
  EXPECT_NE(xz.error().What().find("xz-compressed layers are not supported"), std::string::npos);
  auto bz = Decompress("BZh91AY&SY");
  ASSERT_FALSE(bz);
  EXPECT_NE(bz.error().What().find("bzip2-compressed layers are not supported"), std::string::npos);
}

TEST(DecompressTest, BombStopsAtTheLimit) {
  // 100 MB of zeros is ~100 KB of gzip; a 10 MB limit stops it early.
  std::string zeros(1 << 20, '\0');
  std::string bomb = Gzip(zeros, 100);
  ASSERT_LT(bomb.size(), 200000u);
  auto d = Decompressor::Create(SourceOf(bomb), 10 << 20);
  ASSERT_TRUE(d);
  auto out = ReadAll(*d);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().What(), "decompressed size exceeds limit 10485760 bytes");
  EXPECT_LE(d->out_total(), (10u << 20) + 1);

  // The same for zstd and for plain data.
  auto zs = Decompress(Zstd(std::string(11 << 20, '\0')), 10 << 20);
  ASSERT_FALSE(zs);
  EXPECT_EQ(zs.error().What(), "decompressed size exceeds limit 10485760 bytes");
  auto plain = Decompress(std::string(1001, 'x'), 1000);
  ASSERT_FALSE(plain);
}

TEST(DecompressTest, ExactlyTheLimitIsFine) {
  std::string data = RandomBytes(1 << 20, 7);
  auto out = Decompress(Gzip(data), data.size());
  ASSERT_TRUE(out) << out.error().What();
  EXPECT_EQ(*out, data);
}

TEST(DecompressTest, SourceErrorsPassThrough) {
  ReadFn failing = [](char*, size_t) -> Result<size_t> {
    return Fail("registry: connection reset");
  };
  auto d = Decompressor::Create(failing, 1 << 20);
  ASSERT_TRUE(d);
  char buf[16];
  auto n = d->Read(buf, sizeof buf);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().What(), "registry: connection reset");
}

}  // namespace
}  // namespace berth::image
