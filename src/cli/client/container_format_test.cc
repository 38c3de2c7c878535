#include "cli/client/container_format.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

using nlohmann::json;

TEST(ContainerFormat, TruncateId) {
  EXPECT_EQ(TruncateId("0123456789abcdef0123"), "0123456789ab");
  EXPECT_EQ(TruncateId("sha256:0123456789abcdef"), "0123456789ab");
  EXPECT_EQ(TruncateId("abc"), "abc");
}

TEST(ContainerFormat, CommandIsQuotedAndCutAt20) {
  EXPECT_EQ(PsCommand("sleep 1000", false), "\"sleep 1000\"");
  // docker: 19 characters, then "…".
  EXPECT_EQ(PsCommand("sh -c 'echo out; echo err >&2'", false), "\"sh -c 'echo out; ec…\"");
  EXPECT_EQ(PsCommand("sh -c 'echo out; echo err >&2'", true),
            "\"sh -c 'echo out; echo err >&2'\"");
  EXPECT_EQ(PsCommand("12345678901234567890", false), "\"12345678901234567890\"");
  EXPECT_EQ(PsCommand("a\"b\\c\n", false), "\"a\\\"b\\\\c\\n\"");
  // Runes, not bytes, are counted.
  EXPECT_EQ(Ellipsis("ééééé", 3), "éé…");
  EXPECT_EQ(Ellipsis("ééé", 3), "ééé");
}

TEST(ContainerFormat, Names) {
  EXPECT_EQ(PsNames(json{"/web"}, false), "web");
  EXPECT_EQ(PsNames(json{"/other/db", "/db"}, false), "db");
  EXPECT_EQ(PsNames(json{"/other/db", "/db"}, true), "other/db,db");
  EXPECT_EQ(PsNames(json(), false), "");
}

TEST(ContainerFormat, PortsAndLabels) {
  EXPECT_EQ(PsPorts(json::array()), "");
  json ports =
      json::array({{{"IP", "0.0.0.0"}, {"PrivatePort", 80}, {"PublicPort", 8080}, {"Type", "tcp"}},
                   {{"PrivatePort", 443}, {"Type", "tcp"}}});
  EXPECT_EQ(PsPorts(ports), "0.0.0.0:8080->80/tcp, 443/tcp");
  EXPECT_EQ(PsLabels(json{{"b", "2"}, {"a", "1"}}), "a=1,b=2");
  EXPECT_EQ(PsLabels(json()), "");
}

TEST(ContainerFormat, FiltersJson) {
  auto j = FiltersJson({"name=web", "status=exited", "name=db"});
  ASSERT_TRUE(j);
  EXPECT_EQ(json::parse(*j),
            json::parse(R"({"name":{"web":true,"db":true},"status":{"exited":true}})"));
  EXPECT_EQ(*FiltersJson({}), "{}");
  // The value keeps its own "=": label=a=b is the label a with value b.
  EXPECT_EQ(json::parse(*FiltersJson({"label=a=b"})), json::parse(R"({"label":{"a=b":true}})"));
  EXPECT_FALSE(FiltersJson({"name"}));
}

std::string Frame(int stream, std::string_view payload) {
  std::string f(8, '\0');
  f[0] = static_cast<char>(stream);
  uint32_t n = static_cast<uint32_t>(payload.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  return f + std::string(payload);
}

TEST(ContainerFormat, LogDemuxerSplitsFramesFedInPieces) {
  std::string out, err;
  LogDemuxer d([&](int stream, std::string_view p) -> Status {
    (stream == 2 ? err : out) += p;
    return Ok();
  });
  std::string all =
      Frame(1, "out\n") + Frame(2, "err\n") + Frame(1, "") + Frame(1, std::string(70000, 'x'));
  // One byte at a time: headers and payloads split anywhere.
  for (char c : all.substr(0, 30)) ASSERT_TRUE(d.Feed(std::string_view(&c, 1)));
  ASSERT_TRUE(d.Feed(all.substr(30)));
  EXPECT_TRUE(d.Complete());
  EXPECT_EQ(out, "out\n" + std::string(70000, 'x'));
  EXPECT_EQ(err, "err\n");
  ASSERT_TRUE(d.Feed(Frame(1, "partial").substr(0, 10)));
  EXPECT_FALSE(d.Complete());
}

TEST(ContainerFormat, LogDemuxerRefusesUnknownStreams) {
  LogDemuxer d([](int, std::string_view) { return Ok(); });
  EXPECT_FALSE(d.Feed(Frame(7, "x")));
}

TEST(ContainerFormat, EnvFile) {
  auto lookup = [](const std::string& k) -> const char* { return k == "HOME" ? "/root" : nullptr; };
  auto v = ParseEnvFile("# comment\n\nA=1\n  B=two words\nHOME\nUNSET\r\nC=\n", lookup);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, (std::vector<std::string>{"A=1", "B=two words", "HOME=/root", "UNSET", "C="}));
  EXPECT_FALSE(ParseEnvFile("A B=1\n", lookup));
  EXPECT_FALSE(ParseEnvFile("=1\n", lookup));
}

TEST(ContainerFormat, GoTimeString) {
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(GoTimeString(0), "1970-01-01 00:00:00 +0000 UTC");
}

}  // namespace
}  // namespace berth::cli
