#include "shim/json_file_log.h"

#include <unistd.h>

#include <cstdlib>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"

namespace berth::shim {
namespace {

struct Piece {
  std::string text;
  bool newline;
};

std::vector<Piece> Split(const std::vector<std::string>& chunks, bool finish = true) {
  LineSplitter s;
  std::vector<Piece> out;
  auto emit = [&](std::string_view t, bool nl) { out.push_back({std::string(t), nl}); };
  for (const auto& c : chunks) s.Feed(c, emit);
  if (finish) s.Finish(emit);
  return out;
}

TEST(LineSplitter, CompleteLinesAcrossChunks) {
  auto p = Split({"one\ntw", "o\n", "\nthree"});
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].text, "one");
  EXPECT_TRUE(p[0].newline);
  EXPECT_EQ(p[1].text, "two");
  EXPECT_EQ(p[2].text, "");
  EXPECT_TRUE(p[2].newline);
  // At end of stream the unterminated rest is a partial entry.
  EXPECT_EQ(p[3].text, "three");
  EXPECT_FALSE(p[3].newline);
}

TEST(LineSplitter, LongLineIn16KiBPieces) {
  std::string line(40000, 'x');
  auto p = Split({line + "\n"});
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].text.size(), kMaxLogLine);
  EXPECT_FALSE(p[0].newline);
  EXPECT_EQ(p[1].text.size(), kMaxLogLine);
  EXPECT_FALSE(p[1].newline);
  EXPECT_EQ(p[2].text.size(), 40000 - 2 * kMaxLogLine);
  EXPECT_TRUE(p[2].newline);
}

TEST(LineSplitter, LineThatFillsTheBufferExactly) {
  // 16383 bytes and the newline fit docker's buffer; 16384 do not.
  auto fits = Split({std::string(kMaxLogLine - 1, 'a') + "\n"});
  ASSERT_EQ(fits.size(), 1u);
  EXPECT_TRUE(fits[0].newline);
  auto over = Split({std::string(kMaxLogLine, 'a') + "\n"});
  ASSERT_EQ(over.size(), 2u);
  EXPECT_FALSE(over[0].newline);
  EXPECT_EQ(over[1].text, "");
  EXPECT_TRUE(over[1].newline);
}

TEST(LineSplitter, NothingBeforeNewlineOrFullBuffer) { EXPECT_TRUE(Split({"abc"}, false).empty()); }

TEST(EncodeLogEntry, DockerShape) {
  EXPECT_EQ(
      EncodeLogEntry("hi", true, "stdout", "2024-01-02T03:04:05.000000006Z"),
      "{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05.000000006Z\"}\n");
  EXPECT_EQ(EncodeLogEntry("part", false, "stderr", "T"),
            "{\"log\":\"part\",\"stream\":\"stderr\",\"time\":\"T\"}\n");
}

TEST(EncodeLogEntry, EscapesAsGo) {
  std::string e = EncodeLogEntry(std::string("a\"\\\t\r\x01<>&\xe2\x80\xa8\xff\xc3\xa9", 15), false,
                                 "stdout", "T");
  EXPECT_EQ(e,
            "{\"log\":\"a\\\"\\\\\\t\\r\\u0001\\u003c\\u003e\\u0026\\u2028\\ufffd\xc3\xa9\","
            "\"stream\":\"stdout\",\"time\":\"T\"}\n");
  // Whatever the bytes, each line is valid JSON.
  EXPECT_FALSE(nlohmann::json::parse(e, nullptr, false).is_discarded());
}

class JsonFileLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/shim-log-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/c.log";
  }
  void TearDown() override { (void)RemoveAll(dir_); }
  std::string Read(const std::string& p) { return ReadFile(p).value_or("<missing>"); }
  bool Exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

  std::string dir_, path_;
  timespec ts_{1700000000, 5};
};

TEST_F(JsonFileLogTest, AppendsLines) {
  auto log = JsonFileLog::Open({.path = path_});
  ASSERT_TRUE(log) << log.error().What();
  ASSERT_TRUE(log->Write("out", true, "stdout", ts_));
  ASSERT_TRUE(log->Write("err", true, "stderr", ts_));
  ASSERT_TRUE(log->Flush());
  EXPECT_EQ(
      Read(path_),
      "{\"log\":\"out\\n\",\"stream\":\"stdout\",\"time\":\"2023-11-14T22:13:20.000000005Z\"}\n"
      "{\"log\":\"err\\n\",\"stream\":\"stderr\",\"time\":\"2023-11-14T22:13:20.000000005Z\"}\n");
  // Reopened, the file continues and its size counts.
  auto again = JsonFileLog::Open({.path = path_});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->size(), static_cast<int64_t>(Read(path_).size()));
}

TEST_F(JsonFileLogTest, RotatesAtMaxSizeKeepingMaxFile) {
  auto log = JsonFileLog::Open({.path = path_, .max_size = 100, .max_file = 3});
  ASSERT_TRUE(log);
  // Each entry is ~80 bytes: the second goes past 100, the third rotates.
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE(log->Write("line" + std::to_string(i), true, "stdout", ts_));
  ASSERT_TRUE(log->Flush());
  EXPECT_NE(Read(path_).find("line5"), std::string::npos);
  EXPECT_NE(Read(path_ + ".1").find("line3"), std::string::npos);
  EXPECT_NE(Read(path_ + ".2").find("line1"), std::string::npos);
  EXPECT_FALSE(Exists(path_ + ".3"));  // max-file 3: the current one and two more
  EXPECT_EQ(Read(path_ + ".2").find("line0") == std::string::npos, false);
}

TEST_F(JsonFileLogTest, MaxFileOneTruncates) {
  auto log = JsonFileLog::Open({.path = path_, .max_size = 50, .max_file = 1});
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->Write("first", true, "stdout", ts_));
  ASSERT_TRUE(log->Write("second", true, "stdout", ts_));
  ASSERT_TRUE(log->Flush());
  EXPECT_EQ(Read(path_).find("first"), std::string::npos);
  EXPECT_NE(Read(path_).find("second"), std::string::npos);
  EXPECT_FALSE(Exists(path_ + ".1"));
}

TEST_F(JsonFileLogTest, NoRotationWithoutMaxSize) {
  auto log = JsonFileLog::Open({.path = path_, .max_size = -1, .max_file = 5});
  ASSERT_TRUE(log);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(log->Write("x", true, "stdout", ts_));
  ASSERT_TRUE(log->Flush());
  EXPECT_FALSE(Exists(path_ + ".1"));
}

}  // namespace
}  // namespace berth::shim
