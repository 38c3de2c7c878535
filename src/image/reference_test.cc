#include "image/reference.h"

#include <gtest/gtest.h>

namespace berth::image {
namespace {

std::string Norm(std::string_view s) {
  auto r = ParseReference(s);
  return r ? r->String() : "ERR " + r.error().What();
}

TEST(Reference, NormalizesAsDocker) {
  EXPECT_EQ(Norm("busybox"), "docker.io/library/busybox:latest");
  EXPECT_EQ(Norm("busybox:1.36"), "docker.io/library/busybox:1.36");
  EXPECT_EQ(Norm("user/repo"), "docker.io/user/repo:latest");
  EXPECT_EQ(Norm("docker.io/busybox"), "docker.io/library/busybox:latest");
  EXPECT_EQ(Norm("index.docker.io/library/busybox"), "docker.io/library/busybox:latest");
  EXPECT_EQ(Norm("localhost/x"), "localhost/x:latest");
  EXPECT_EQ(Norm("localhost:5000/a/b/c:v1.2-rc_3"), "localhost:5000/a/b/c:v1.2-rc_3");
  EXPECT_EQ(Norm("127.0.0.1:5000/bench/debian"), "127.0.0.1:5000/bench/debian:latest");
  EXPECT_EQ(Norm("quay.io/a__b/c-d--e.f"), "quay.io/a__b/c-d--e.f:latest");
  EXPECT_EQ(Norm("[::1]:5000/x"), "[::1]:5000/x:latest");
  std::string dg = "sha256:" + std::string(64, 'a');
  EXPECT_EQ(Norm("busybox@" + dg), "docker.io/library/busybox@" + dg);
  EXPECT_EQ(Norm("busybox:1@" + dg), "docker.io/library/busybox:1@" + dg);
}

TEST(Reference, FamiliarFormsAndHosts) {
  auto r = ParseReference("busybox");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->FamiliarString(), "busybox:latest");
  EXPECT_EQ(r->FamiliarName(), "busybox");
  EXPECT_EQ(r->RegistryHost(), "registry-1.docker.io");
  EXPECT_EQ(r->path, "library/busybox");
  auto u = ParseReference("user/x:2");
  EXPECT_EQ(u->FamiliarString(), "user/x:2");
  auto l = ParseReference("localhost:5000/x:1");
  EXPECT_EQ(l->FamiliarString(), "localhost:5000/x:1");
  EXPECT_EQ(l->RegistryHost(), "localhost:5000");
  EXPECT_EQ(l->path, "x");
}

TEST(Reference, RefusesWhatDockerRefuses) {
  for (const char* bad :
       {"", ":", "Busybox", "busybox:", "busybox@", "busybox@sha256:abc", "-x", "a//b", "a/b/",
        "x:tag with space", "a..b", "a.-b", "host:/x", "busybox:-tag"}) {
    auto r = ParseReference(bad);
    EXPECT_FALSE(r) << bad << " -> " << (r ? r->String() : "");
    if (!r) {
      EXPECT_EQ(r.error().What().rfind("invalid reference format", 0), 0u) << r.error().What();
    }
  }
  auto upper = ParseReference("Busybox");
  EXPECT_NE(upper.error().What().find("repository name must be lowercase"), std::string::npos);
  EXPECT_FALSE(ParseReference("a:" + std::string(129, 'x')));
  EXPECT_FALSE(ParseReference(std::string(256, 'a')));
}

TEST(Reference, NamesAndIds) {
  EXPECT_TRUE(ParseNormalizedName("localhost:5000/x"));
  EXPECT_FALSE(ParseNormalizedName("x:tag"));
  EXPECT_TRUE(LooksLikeImageId("abc123"));
  EXPECT_TRUE(LooksLikeImageId("sha256:" + std::string(64, 'f')));
  EXPECT_FALSE(LooksLikeImageId("busybox"));
}

}  // namespace
}  // namespace berth::image
