#include "image/platform_select.h"

#include <gtest/gtest.h>

namespace berth::image {
namespace {

spec::Descriptor Entry(const std::string& digest_char, const std::string& os,
                       const std::string& arch, const std::string& variant = "") {
  spec::Descriptor d;
  d.media_type = spec::media::kOciManifest;
  d.digest = "sha256:" + std::string(64, digest_char[0]);
  d.platform = spec::Platform{arch, os, "", variant};
  return d;
}

spec::Platform P(const std::string& os, const std::string& arch, const std::string& v = "") {
  return spec::Platform{arch, os, "", v};
}

TEST(SelectPlatform, PicksTheHostsEntryAndSkipsAttestations) {
  spec::Index idx;
  idx.manifests = {Entry("a", "unknown", "unknown"), Entry("b", "linux", "arm64", "v8"),
                   Entry("c", "linux", "amd64"), Entry("d", "linux", "arm", "v7")};
  auto d = SelectPlatform(idx, P("linux", "amd64"));
  ASSERT_TRUE(d) << d.error().What();
  EXPECT_EQ(d->digest[7], 'c');
  EXPECT_EQ(SelectPlatform(idx, P("linux", "arm", "v7"))->digest[7], 'd');
  EXPECT_EQ(SelectPlatform(idx, P("linux", "arm64"))->digest[7], 'b');
}

TEST(SelectPlatform, ExactVariantBeatsAMissingOne) {
  spec::Index idx;
  idx.manifests = {Entry("a", "linux", "arm64"), Entry("b", "linux", "arm64", "v8")};
  EXPECT_EQ(SelectPlatform(idx, P("linux", "arm64", "v8"))->digest[7], 'b');
}

TEST(SelectPlatform, NoMatchNamesWhatIsAvailable) {
  spec::Index idx;
  idx.manifests = {Entry("a", "linux", "arm64", "v8"), Entry("b", "linux", "s390x")};
  auto d = SelectPlatform(idx, P("linux", "amd64"));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().What(),
            "no matching manifest for linux/amd64 in the manifest list entries (available: "
            "linux/arm64/v8, linux/s390x)");
}

TEST(HostPlatform, IsLinuxWithAGoArchName) {
  auto p = HostPlatform();
  EXPECT_EQ(p.os, "linux");
  EXPECT_NE(p.architecture, "x86_64");
  EXPECT_NE(p.architecture, "");
}

TEST(ParsePlatform, TakesDockersForms) {
  spec::Platform host = HostPlatform();
  auto p = ParsePlatform("linux/arm64/v8");
  ASSERT_TRUE(p) << p.error().What();
  EXPECT_EQ(p->String(), "linux/arm64/v8");
  EXPECT_EQ(ParsePlatform("Linux/x86_64")->String(), "linux/amd64");
  EXPECT_EQ(ParsePlatform("linux/armhf")->String(), "linux/arm/v7");
  EXPECT_EQ(ParsePlatform("linux")->String(), host.String());
  EXPECT_EQ(ParsePlatform("arm64")->String(), "linux/arm64");
  EXPECT_EQ(ParsePlatform("windows")->os, "windows");
  for (const char* bad : {"", "linux/", "/amd64", "linux//v7", "linux/arm/v7/x"}) {
    auto r = ParsePlatform(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), EINVAL);
  }
}

}  // namespace
}  // namespace berth::image
