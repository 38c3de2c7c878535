#include "spec/image_spec.h"

#include <gtest/gtest.h>

namespace berth::spec {
namespace {

const char* kManifest = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
  "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1457,
             "digest": "sha256:7cfbbec8963d8f13e6c70416d6592e1cc10f47a348131290a55d43c3acab3fb9"},
  "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 2219949,
              "digest": "sha256:205dae5015e78dd8c4d302e3db4eb31576fac715b46d099fe09680ba28093a7a"}]
})";

const char* kIndex = R"({
  "schemaVersion": 2,
  "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 610,
     "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
     "platform": {"architecture": "arm", "os": "linux", "variant": "v7"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 610,
     "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
     "platform": {"architecture": "amd64", "os": "linux"}}
  ]
})";

TEST(ImageSpec, ClassifiesByHeaderFieldAndShape) {
  EXPECT_EQ(*ClassifyManifest(media::kDockerManifest, "{}"), DocumentKind::kManifest);
  EXPECT_EQ(*ClassifyManifest("application/vnd.oci.image.index.v1+json; charset=utf-8", "{}"),
            DocumentKind::kIndex);
  EXPECT_EQ(*ClassifyManifest("", kManifest), DocumentKind::kManifest);
  EXPECT_EQ(*ClassifyManifest("application/json", kIndex), DocumentKind::kIndex);
}

TEST(ImageSpec, RefusesSchema1AndUnknownTypes) {
  auto s1 = ClassifyManifest(media::kDockerSchema1Signed, "{}");
  ASSERT_FALSE(s1);
  EXPECT_NE(s1.error().What().find("schema 1"), std::string::npos);
  auto s1body = ClassifyManifest("", R"({"schemaVersion": 1, "name": "x", "fsLayers": []})");
  ASSERT_FALSE(s1body);
  EXPECT_NE(s1body.error().What().find("schema 1"), std::string::npos);
  auto unknown = ClassifyManifest("", R"({"mediaType": "application/x-weird"})");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().What().find("application/x-weird"), std::string::npos);
  auto bad_layer =
      ParseManifest(R"({"schemaVersion": 2, "config": {"digest": "sha256:1", "size": 1},
      "layers": [{"mediaType": "application/x-evil", "digest": "sha256:2", "size": 3}]})");
  ASSERT_FALSE(bad_layer);
  EXPECT_NE(bad_layer.error().What().find("application/x-evil"), std::string::npos);
}

TEST(ImageSpec, ParsesManifestIndexAndConfig) {
  auto m = ParseManifest(kManifest);
  ASSERT_TRUE(m) << m.error().What();
  EXPECT_EQ(m->config.size, 1457);
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].media_type, media::kDockerLayerGzip);
  auto x = ParseIndex(kIndex);
  ASSERT_TRUE(x) << x.error().What();
  ASSERT_EQ(x->manifests.size(), 2u);
  EXPECT_EQ(x->manifests[0].platform->String(), "linux/arm/v7");
  auto c = ParseImageConfig(R"({"architecture": "amd64", "os": "linux",
      "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"]},
      "rootfs": {"type": "layers", "diff_ids": ["sha256:aa", "sha256:bb"]},
      "history": [{"created_by": "x"}]})");
  ASSERT_TRUE(c) << c.error().What();
  EXPECT_EQ(c->diff_ids.size(), 2u);
  EXPECT_EQ(c->config["Cmd"][0], "sh");
  EXPECT_FALSE(ParseImageConfig(R"({"os": "linux"})"));
  auto neg = ParseManifest(
      R"({"schemaVersion": 2, "config": {"digest": "sha256:1", "size": -1}, "layers": []})");
  EXPECT_FALSE(neg);
}

TEST(ImageSpec, DescriptorRoundTrip) {
  Descriptor d{"application/vnd.oci.image.manifest.v1+json",
               "sha256:ab",
               12,
               {},
               {{"k", "v"}},
               Platform{"amd64", "linux", "", ""}};
  auto back = DescriptorFromJson(DescriptorToJson(d), "d");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->digest, "sha256:ab");
  EXPECT_EQ(back->annotations.at("k"), "v");
  EXPECT_EQ(back->platform->String(), "linux/amd64");
}

}  // namespace
}  // namespace berth::spec
