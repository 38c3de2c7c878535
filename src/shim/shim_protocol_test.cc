#include "shim/shim_protocol.h"

#include <signal.h>

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "shim/exec_launch.h"

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

TEST(ParseRequest, Exec) {
  auto r = ParseRequest(
      R"({"op":"exec","exec_id":"a1","process":{"args":["sh"],"terminal":true,"env":["A=1"]}})");
  ASSERT_TRUE(r) << r.error().What();
  EXPECT_EQ(r->op, Op::kExec);
  EXPECT_EQ(r->exec_id, "a1");
  EXPECT_TRUE(r->terminal);
  EXPECT_FALSE(r->detach);
  EXPECT_TRUE(r->stdin);
  // The process object is kept whole, for the runtime to validate.
  EXPECT_EQ(r->process["env"][0], "A=1");
  EXPECT_EQ(r->process["args"][0], "sh");

  r = ParseRequest(
      R"({"op":"exec","exec_id":"b","detach":true,"stdin":false,"process":{"args":["true"]}})");
  ASSERT_TRUE(r) << r.error().What();
  EXPECT_FALSE(r->terminal);
  EXPECT_TRUE(r->detach);
  EXPECT_FALSE(r->stdin);
}

TEST(ParseRequest, ExecRefusesBadInput) {
  auto error_of = [](const char* line) {
    auto r = ParseRequest(line);
    return r ? std::string("(accepted)") : r.error().What();
  };
  // The process: an object with a non-empty args array.
  EXPECT_NE(error_of(R"({"op":"exec","exec_id":"a"})").find("process"), std::string::npos);
  EXPECT_NE(error_of(R"({"op":"exec","exec_id":"a","process":"sh"})").find("process"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"op":"exec","exec_id":"a","process":{"args":[]}})").find("args"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"op":"exec","exec_id":"a","process":{"cwd":"/"}})").find("args"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"op":"exec","exec_id":"a","process":{"args":["x"],"terminal":"yes"}})")
                .find("terminal"),
            std::string::npos);
  EXPECT_NE(
      error_of(R"({"op":"exec","exec_id":"a","detach":1,"process":{"args":["x"]}})").find("detach"),
      std::string::npos);
  EXPECT_NE(error_of(R"({"op":"exec","exec_id":"a","stdin":"no","process":{"args":["x"]}})")
                .find("stdin"),
            std::string::npos);
  // The ID: required, a string of [A-Za-z0-9_.-], 1 to 128 long.
  EXPECT_NE(error_of(R"({"op":"exec","process":{"args":["x"]}})").find("exec_id"),
            std::string::npos);
  for (const char* bad : {R"("")", R"("a b")", R"("../x")", R"("x/y")", R"("é")", "7", "null"})
    EXPECT_FALSE(ParseRequest(std::string(R"({"op":"exec-state","exec_id":)") + bad + "}")) << bad;
  EXPECT_TRUE(ParseRequest(R"({"op":"exec-state","exec_id":"Az09_.-"})"));
  std::string longest(kMaxExecIdLength, 'x');
  EXPECT_TRUE(ParseRequest(R"({"op":"exec-wait","exec_id":")" + longest + R"("})"));
  EXPECT_FALSE(ParseRequest(R"({"op":"exec-wait","exec_id":")" + longest + R"(x"})"));
}

TEST(ParseRequest, ExecStateAndWaitNeedAnId) {
  auto s = ParseRequest(R"({"op":"exec-state","exec_id":"e1"})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->op, Op::kExecState);
  EXPECT_EQ(s->exec_id, "e1");
  auto w = ParseRequest(R"({"op":"exec-wait","exec_id":"e1"})");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->op, Op::kExecWait);
  EXPECT_FALSE(ParseRequest(R"({"op":"exec-state"})"));
  EXPECT_FALSE(ParseRequest(R"({"op":"exec-wait"})"));
}

TEST(ParseRequest, KillResizeCloseStdinOfAnExec) {
  auto k = ParseRequest(R"({"op":"kill","exec_id":"e1","signal":"TERM"})");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->exec_id, "e1");
  EXPECT_EQ(k->signal, SIGTERM);
  auto r = ParseRequest(R"({"op":"resize","exec_id":"e1","width":80,"height":24})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exec_id, "e1");
  EXPECT_EQ(r->width, 80u);
  auto c = ParseRequest(R"({"op":"close-stdin","exec_id":"e1"})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->exec_id, "e1");
  // Without one they are about the container.
  EXPECT_EQ(ParseRequest(R"({"op":"kill","signal":9})")->exec_id, "");
  EXPECT_FALSE(ParseRequest(R"({"op":"kill","exec_id":"a b","signal":9})"));
  EXPECT_FALSE(ParseRequest(R"({"op":"resize","exec_id":3,"width":80,"height":24})"));
}

TEST(ExecStateAnswer, Fields) {
  std::string a = ExecStateAnswer("e1", 42, false, 137);
  ASSERT_EQ(a.back(), '\n');
  auto j = nlohmann::json::parse(a);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["exec_id"], "e1");
  EXPECT_EQ(j["pid"], 42);
  EXPECT_EQ(j["running"], false);
  EXPECT_EQ(j["exit_code"], 137);
}

TEST(ParseExecReport, PidOrTheHelpersError) {
  EXPECT_EQ(ParseExecReport("ok 1234"), 1234);
  EXPECT_EQ(ParseExecReport("ok 77\n"), 77);
  auto e = ParseExecReport(R"(error exec: "nope": executable file not found in $PATH)");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().What(), R"(exec: "nope": executable file not found in $PATH)");
  // A helper that died before its report, or garbage.
  for (const char* bad : {"", "ok", "ok x", "ok 0", "ok -3", "ok 12 13", "hello"}) {
    auto r = ParseExecReport(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().What().find("without a report"), std::string::npos);
  }
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
