#include "image/digest.h"

#include <gtest/gtest.h>

namespace berth::image {
namespace {

TEST(Digest, KnownVectors) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(Sha256Of("").hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Of("abc").hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, StreamingEqualsWhole) {
  std::string data(100000, 'x');
  for (size_t i = 0; i < data.size(); i++) data[i] = char(i * 7);
  Sha256 h;
  for (size_t i = 0; i < data.size(); i += 333) h.Update(std::string_view(data).substr(i, 333));
  EXPECT_EQ(h.Finish(), Sha256Of(data));
}

TEST(Digest, Parse) {
  auto d = ParseDigest("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->algorithm, "sha256");
  EXPECT_EQ(d->Short(), "e3b0c44298fc");
  EXPECT_EQ(d->String(), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, ParseRefusesMalformed) {
  for (const char* bad :
       {"", "sha256", "sha256:", "md5:abcd",
        "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "sha256:e3b0",
        "sha256:../../etc/passwd0000000000000000000000000000000000000000000000"}) {
    auto d = ParseDigest(bad);
    EXPECT_FALSE(d) << bad;
  }
}

}  // namespace
}  // namespace berth::image
