#include "api/router.h"

#include <gtest/gtest.h>

namespace berth::api {
namespace {

// Records what a route would have sent.
class FakeResponder : public HttpResponder {
 public:
  void Send(int s, std::string_view, std::string b) override {
    status = s;
    body = std::move(b);
    started_ = true;
  }
  void StartStream(int s, std::string_view) override {
    status = s;
    started_ = true;
  }
  bool Write(std::string_view d) override {
    body += d;
    return true;
  }
  void EndStream() override {}
  bool started() const override { return started_; }
  bool ClientGone() override { return false; }
  Result<int> Hijack(std::string_view, const HttpRequest&, std::string*) override {
    return Fail("no connection to take over in this test");
  }
  int status = 0;
  std::string body;
  bool started_ = false;
};

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto record = [this](const HttpRequest& req, HttpResponder& out) {
      seen = req;
      out.Send(200, "text/plain", "hit");
    };
    r.Add("GET", "/images/json", record);
    r.Add("GET", "/images/{name}/json", record);
    r.Add("DELETE", "/images/{name}", record);
    r.Add("GET", "/_ping", record);
  }
  FakeResponder Call(const std::string& method, const std::string& target) {
    FakeResponder out;
    r.Dispatch(method, target, HttpRequest{}, out);
    return out;
  }
  Router r;
  HttpRequest seen;
};

TEST_F(RouterTest, ImageNamesWithSlashesAndPortsAreOneParameter) {
  auto out = Call("GET", "/v1.41/images/localhost:5000/a/b:1/json");
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(seen.params["name"], "localhost:5000/a/b:1");
  EXPECT_EQ(seen.api_version, "1.41");
  EXPECT_EQ(seen.path, "/images/localhost:5000/a/b:1/json");
  Call("DELETE", "/images/sha256%3Aabc");
  EXPECT_EQ(seen.params["name"], "sha256:abc");
}

TEST_F(RouterTest, LiteralRoutesWinOverParameters) {
  Call("GET", "/images/json?all=1&filters=%7B%22dangling%22%3A%5B%22true%22%5D%7D");
  EXPECT_EQ(seen.path, "/images/json");
  EXPECT_TRUE(seen.params.empty());
  EXPECT_TRUE(seen.QueryBool("all"));
  EXPECT_EQ(seen.Query("filters"), R"({"dangling":["true"]})");
}

TEST_F(RouterTest, VersionsAreNegotiatedAsDockerDoes) {
  Call("GET", "/_ping");
  EXPECT_EQ(seen.api_version, kMaxApiVersion);
  auto old = Call("GET", "/v1.40/_ping");
  EXPECT_EQ(old.status, 400);
  EXPECT_NE(old.body.find("client version 1.40 is too old. Minimum supported API version is "
                          "1.41"),
            std::string::npos);
  auto neu = Call("GET", "/v1.48/_ping");
  EXPECT_EQ(neu.status, 400);
  EXPECT_NE(neu.body.find("is too new"), std::string::npos);
  EXPECT_EQ(Call("GET", "/v1.47/_ping").status, 200);
}

TEST_F(RouterTest, UnknownPathsAre404AndWrongMethods405) {
  auto nf = Call("GET", "/nope");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.body, "{\"message\":\"page not found\"}\n");
  EXPECT_EQ(Call("POST", "/images/json").status, 405);
  // HEAD is served by the GET route.
  EXPECT_EQ(Call("HEAD", "/_ping").status, 200);
}

TEST(ApiVersions, CompareNumerically) {
  EXPECT_LT(CompareApiVersions("1.9", "1.41"), 0);
  EXPECT_EQ(CompareApiVersions("1.41", "1.41"), 0);
  EXPECT_GT(CompareApiVersions("1.47", "1.41"), 0);
}

TEST(UrlDecode, DecodesPercentEscapesOnly) {
  EXPECT_EQ(UrlDecode("a%2Fb%3a+c"), "a/b:+c");
  EXPECT_EQ(UrlDecode("100%"), "100%");
  EXPECT_EQ(UrlDecode("%zz"), "%zz");
  // Query values are form-encoded: '+' is a space, %2B a plus.
  EXPECT_EQ(QueryDecode("ENV+A%3D1+B%2B"), "ENV A=1 B+");
}

}  // namespace
}  // namespace berth::api
