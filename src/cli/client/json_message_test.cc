#include "cli/client/json_message.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

// Renders `lines` into a string, as a terminal or a pipe would receive them.
std::string RenderAll(bool terminal, std::initializer_list<const char*> lines,
                      Status* last = nullptr) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  JsonMessageRenderer r(f, terminal);
  Status st;
  for (const char* l : lines) {
    st = r.Render(l);
    if (!st) break;
  }
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  if (last) *last = st;
  return out;
}

TEST(HumanSize, DecimalFourDigitsAsDocker) {
  EXPECT_EQ(HumanSize(0), "0B");
  EXPECT_EQ(HumanSize(999), "999B");
  EXPECT_EQ(HumanSize(1000), "1kB");
  EXPECT_EQ(HumanSize(3145728), "3.146MB");
  EXPECT_EQ(HumanSize(125e9), "125GB");
}

TEST(ProgressBar, Shapes) {
  EXPECT_EQ(ProgressBar(0, 0), "");
  EXPECT_EQ(ProgressBar(1500, 0), "   1.5kB");
  EXPECT_EQ(ProgressBar(50, 100, 10), "[=====>    ]      50B/100B");
  EXPECT_EQ(ProgressBar(100, 100, 10), "[==========]     100B/100B");
}

TEST(JsonMessageRenderer, PipedOutputDropsProgressAndPrintsEachStatusOnce) {
  auto out = RenderAll(
      false,
      {
          R"({"status":"Pulling from library/busybox","id":"latest"})",
          R"({"status":"Pulling fs layer","progressDetail":{},"id":"a1b2"})",
          R"({"status":"Downloading","progressDetail":{"current":10,"total":100},"id":"a1b2"})",
          R"({"status":"Pull complete","progressDetail":{},"id":"a1b2"})",
          R"({"status":"Digest: sha256:abc"})",
      });
  EXPECT_EQ(out,
            "latest: Pulling from library/busybox\n"
            "a1b2: Pulling fs layer\n"
            "a1b2: Pull complete\n"
            "Digest: sha256:abc\n");
}

TEST(JsonMessageRenderer, TerminalRewritesAnIdsLineInPlace) {
  auto out = RenderAll(
      true, {
                R"({"status":"Pulling fs layer","id":"l1"})",
                R"({"status":"Pulling fs layer","id":"l2"})",
                R"({"status":"Downloading","progressDetail":{"current":50,"total":100},"id":"l1"})",
            });
  // l1 is two lines up from the bottom when its progress arrives.
  EXPECT_EQ(out,
            "l1: Pulling fs layer\n"
            "l2: Pulling fs layer\n"
            "\x1b[2A\r\x1b[2Kl1: Downloading [=========================>                        ]"
            "      50B/100B\r\x1b[2B");
}

TEST(JsonMessageRenderer, AnErrorMessageIsReturnedAfterWhatCameBefore) {
  Status st;
  auto out =
      RenderAll(false,
                {R"({"status":"Pulling from x","id":"1"})",
                 R"({"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"})",
                 R"({"status":"never shown"})"},
                &st);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().What(), "manifest unknown");
  EXPECT_EQ(out, "1: Pulling from x\n");
  Status bad;
  RenderAll(false, {"not json"}, &bad);
  EXPECT_FALSE(bad);
}

}  // namespace
}  // namespace berth::cli
