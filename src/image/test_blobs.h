// Test-only helpers that make blobs for the image tests: random bytes,
// gzip streams and scratch directories. Header-only so that any test
// binary of src/image can use them; not part of berth_image.
#pragma once

#include <stdlib.h>
#include <zlib.h>

#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace berth::image::test_blobs {

// `n` bytes from a seeded generator: incompressible, and the same on every
// run.
inline std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen());
  return s;
}

// gzip of `data`, fed to deflate `repeat` times (a cheap way to make a big
// stream from a small buffer).
inline std::string Gzip(std::string_view data, int repeat = 1) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out;
  char buf[1 << 16];
  for (int i = 0; i < repeat; ++i) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    int flush = i + 1 == repeat ? Z_FINISH : Z_NO_FLUSH;
    int rc;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      rc = deflate(&z, flush);
      out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  }
  deflateEnd(&z);
  return out;
}

// A fresh directory /tmp/berth-NAME-XXXXXX; the test removes it.
inline std::string MakeDir(const std::string& name) {
  std::string tmpl = "/tmp/berth-" + name + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  return tmpl;
}

}  // namespace berth::image::test_blobs
