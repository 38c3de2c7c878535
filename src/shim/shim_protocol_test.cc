#include "shim/shim_protocol.h"

#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace berth::shim {
namespace {

TEST(ParseRequest, Ops) {
  EXPECT_EQ(ParseRequest(R"({"op":"state"})")->op, Op::kState);
  EXPECT_EQ(ParseRequest(R"({"op":"wait"})")->op, Op::kWait);
  EXPECT_EQ(ParseRequest(R"({"op":"close-stdin"})")->op, Op::kCloseStdin);
  auto a = ParseRequest(R"({"op":"attach","stdin_once":true})");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->op, Op::kAttach);
  EXPECT_TRUE(a->stdin_once);
  EXPECT_FALSE(ParseRequest(R"({"op":"attach"})")->stdin_once);
}

TEST(ParseRequest, KillTakesNumbersAndNames) {
  EXPECT_EQ(ParseRequest(R"({"op":"kill","signal":15})")->signal, SIGTERM);
  EXPECT_EQ(ParseRequest(R"({"op":"kill","signal":"KILL"})")->signal, SIGKILL);
  EXPECT_EQ(ParseRequest(R"({"op":"kill","signal":"SIGHUP"})")->signal, SIGHUP);
  EXPECT_FALSE(ParseRequest(R"({"op":"kill"})"));
  EXPECT_FALSE(ParseRequest(R"({"op":"kill","signal":"NOPE"})"));
  EXPECT_FALSE(ParseRequest(R"({"op":"kill","signal":-3})"));
  EXPECT_FALSE(ParseRequest(R"({"op":"kill","signal":[1]})"));
}

TEST(ParseRequest, Resize) {
  auto r = ParseRequest(R"({"op":"resize","width":80,"height":24})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->width, 80u);
  EXPECT_EQ(r->height, 24u);
  EXPECT_FALSE(ParseRequest(R"({"op":"resize","width":80})"));
  EXPECT_FALSE(ParseRequest(R"({"op":"resize","width":"80","height":24})"));
  EXPECT_FALSE(ParseRequest(R"({"op":"resize","width":70000,"height":24})"));
}

TEST(ParseRequest, BadInputIsAnErrorNotAThrow) {
  EXPECT_FALSE(ParseRequest(""));
  EXPECT_FALSE(ParseRequest("not json"));
  EXPECT_FALSE(ParseRequest("[1,2]"));
  EXPECT_FALSE(ParseRequest(R"({"op":3})"));
  auto r = ParseRequest(R"({"op":"dance"})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().What().find("dance"), std::string::npos);
  EXPECT_FALSE(ParseRequest(R"({"op":"attach","stdin_once":"yes"})"));
}

TEST(ErrorAnswer, OneJsonLine) {
  std::string a = ErrorAnswer("bad \xff \"thing\"");
  ASSERT_EQ(a.back(), '\n');
  EXPECT_EQ(a.find('\n'), a.size() - 1);
  auto j = nlohmann::json::parse(a);
  EXPECT_EQ(j["ok"], false);
  EXPECT_TRUE(j["error"].is_string());
}

TEST(AppendFrame, DockerHeader) {
  std::string out;
  AppendFrame(&out, kStreamStderr, std::string(258, 'z'));
  ASSERT_EQ(out.size(), 8u + 258);
  EXPECT_EQ(out.substr(0, 8), std::string("\x02\x00\x00\x00\x00\x00\x01\x02", 8));
}

}  // namespace
}  // namespace berth::shim
