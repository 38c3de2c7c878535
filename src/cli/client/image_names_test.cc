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
}

}  // namespace
}  // namespace berth::cli
