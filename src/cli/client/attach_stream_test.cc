#include "cli/client/attach_stream.h"

#include <gtest/gtest.h>

#include "cli/client/container_create.h"

namespace berth::cli {
namespace {

// The detach keys' format and scanner are tested in spec/detach_keys_test.cc.

TEST(CannotInvoke, MapsTheDaemonsStartErrors) {
  EXPECT_EQ(CannotInvokeCode("exec: \"x\": executable file not found in $PATH", 125), 127);
  EXPECT_EQ(CannotInvokeCode("open /nope: no such file or directory", 125), 127);
  EXPECT_EQ(CannotInvokeCode("exec: \"/etc\": permission denied", 125), 126);
  EXPECT_EQ(CannotInvokeCode("cgroup trouble", 125), 125);
}

TEST(AttachedStreams, AsDockersRunChooses) {
  CreateFlags f;
  AttachedStreams s = StreamsToAttach(f);
  EXPECT_TRUE(!s.in && s.out && s.err);
  f.interactive = true;
  s = StreamsToAttach(f);
  EXPECT_TRUE(s.in && s.out && s.err);
  f.attach = {"STDOUT"};
  s = StreamsToAttach(f);
  EXPECT_TRUE(s.in && s.out && !s.err);
  f.detach = true;
  s = StreamsToAttach(f);
  EXPECT_TRUE(!s.in && !s.out && !s.err);
}

TEST(AttachedStreams, CreateBodyCarriesThem) {
  CreateFlags f;
  f.image = "bb:1";
  f.interactive = true;
  f.attach = {"stdin"};
  auto body = CreateBody(f, {}, nullptr);
  ASSERT_TRUE(body);
  EXPECT_EQ((*body)["AttachStdin"], true);
  EXPECT_EQ((*body)["AttachStdout"], false);
  EXPECT_EQ((*body)["StdinOnce"], true);
  f.attach = {"bogus"};
  EXPECT_FALSE(CreateBody(f, {}, nullptr));
}

}  // namespace
}  // namespace berth::cli
