#include "image/registry_auth.h"

#include <gtest/gtest.h>

namespace berth::image {
namespace {

TEST(RegistryAuthTest, ParsesBearerChallengeWithQuotedCommas) {
  auto c = ParseWwwAuthenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",)"
      R"(scope="repository:library/busybox:pull,push")");
  ASSERT_TRUE(c) << c.error().What();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].scheme, "bearer");
  EXPECT_EQ((*c)[0].Param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ((*c)[0].Param("service"), "registry.docker.io");
  EXPECT_EQ((*c)[0].Param("scope"), "repository:library/busybox:pull,push");
  EXPECT_EQ((*c)[0].Param("error"), "");
}

TEST(RegistryAuthTest, ParsesSeveralChallengesAndSpacing) {
  auto c = ParseWwwAuthenticate(
      R"(Basic realm="Registry Realm", BEARER  Realm = "http://h/token" , service=reg,)"
      R"( error="insufficient_scope")");
  ASSERT_TRUE(c) << c.error().What();
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].scheme, "basic");
  EXPECT_EQ((*c)[0].Param("realm"), "Registry Realm");
  EXPECT_EQ((*c)[1].scheme, "bearer");
  EXPECT_EQ((*c)[1].Param("realm"), "http://h/token");
  EXPECT_EQ((*c)[1].Param("service"), "reg");  // an unquoted token value
  EXPECT_EQ((*c)[1].Param("error"), "insufficient_scope");
}

TEST(RegistryAuthTest, ParsesEscapesAndBareSchemes) {
  auto c = ParseWwwAuthenticate(R"(Bearer realm="a \"quoted\" \\ realm")");
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)[0].Param("realm"), R"(a "quoted" \ realm)");

  auto bare = ParseWwwAuthenticate("Negotiate, Basic realm=x");
  ASSERT_TRUE(bare) << bare.error().What();
  ASSERT_EQ(bare->size(), 2u);
  EXPECT_EQ((*bare)[0].scheme, "negotiate");
  EXPECT_TRUE((*bare)[0].params.empty());
  EXPECT_EQ((*bare)[1].Param("realm"), "x");
}

TEST(RegistryAuthTest, RefusesMalformedChallenges) {
  EXPECT_FALSE(ParseWwwAuthenticate(""));
  EXPECT_FALSE(ParseWwwAuthenticate("   ,  "));
  EXPECT_FALSE(ParseWwwAuthenticate(R"(Bearer realm="unterminated)"));
  auto e = ParseWwwAuthenticate(R"(Bearer realm="a" "junk")");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().What().find("WWW-Authenticate"), std::string::npos);
}

TEST(RegistryAuthTest, BasicAuthorization) {
  EXPECT_EQ(BasicAuthorization({"user", "pass"}), "Basic dXNlcjpwYXNz");
}

TEST(RegistryAuthTest, ParsesTokenResponses) {
  auto now = std::chrono::steady_clock::now();
  auto t = ParseTokenResponse(R"({"token":"abc","expires_in":300})", now);
  ASSERT_TRUE(t) << t.error().What();
  EXPECT_EQ(t->token, "abc");
  EXPECT_EQ(t->expires, now + std::chrono::seconds(270));  // 10% early

  auto oauth = ParseTokenResponse(R"({"access_token":"xyz"})", now);
  ASSERT_TRUE(oauth);
  EXPECT_EQ(oauth->token, "xyz");
  EXPECT_EQ(oauth->expires, now + std::chrono::seconds(54));  // default 60 s

  EXPECT_FALSE(ParseTokenResponse(R"({"expires_in":300})", now));
  EXPECT_FALSE(ParseTokenResponse("not json", now));
  EXPECT_EQ(RepositoryScope("library/busybox", false), "repository:library/busybox:pull");
  EXPECT_EQ(RepositoryScope("a/b", true), "repository:a/b:pull,push");
}

}  // namespace
}  // namespace berth::image
