#include "cli/client/image_names.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

TEST(ImageNames, SplitAsTheDockerCliDoes) {
  auto n = SplitImageName("busybox");
  EXPECT_EQ(n.repository, "busybox");
  EXPECT_EQ(n.tag, "latest");
  EXPECT_EQ(FullImageName(n), "docker.io/library/busybox:latest");
  n = SplitImageName("localhost:5000/a/b:1.2");
  EXPECT_EQ(n.repository, "localhost:5000/a/b");
  EXPECT_EQ(n.tag, "1.2");
  EXPECT_EQ(FullImageName(n), "localhost:5000/a/b:1.2");
  n = SplitImageName("user/x@sha256:abcd");
  EXPECT_EQ(n.digest, "sha256:abcd");
  EXPECT_EQ(n.tag, "");
  EXPECT_EQ(FullImageName(n), "docker.io/user/x@sha256:abcd");
  EXPECT_EQ(SplitImageName("127.0.0.1:5000/x").tag, "latest");
  EXPECT_FALSE(SplitImageName("127.0.0.1:5000/x").tag_given);
  EXPECT_TRUE(SplitImageName("127.0.0.1:5000/x:latest").tag_given);
}

TEST(ImageNames, RegistryDomainAsTheDockerCliDecides) {
  EXPECT_EQ(RegistryDomain("busybox"), "docker.io");
  EXPECT_EQ(RegistryDomain("user/x"), "docker.io");
  EXPECT_EQ(RegistryDomain("localhost/x"), "localhost");
  EXPECT_EQ(RegistryDomain("127.0.0.1:5000/a/b"), "127.0.0.1:5000");
  EXPECT_EQ(RegistryDomain("quay.io/org/app"), "quay.io");
  EXPECT_EQ(RegistryDomain("docker.io/library/busybox"), "docker.io");
}

}  // namespace
}  // namespace berth::cli
