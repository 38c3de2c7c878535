#include "shim/exit_record.h"

#include <stdlib.h>

#include <gtest/gtest.h>

#include "base/fs.h"

namespace berth::shim {
namespace {

TEST(ExitRecord, RoundTripsThroughAFile) {
  char tmpl[] = "/tmp/shim-exit-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/exit.json";
  EXPECT_EQ(ReadExitRecord(path).error().code(), ENOENT);
  ExitRecord r{.id = "c1",
               .pid = 42,
               .exited = true,
               .exit_code = 137,
               .oom_killed = true,
               .started_at = "2024-01-01T00:00:00.000000000Z",
               .finished_at = "2024-01-01T00:00:01.000000000Z"};
  ASSERT_TRUE(WriteExitRecord(path, r));
  auto back = ReadExitRecord(path);
  ASSERT_TRUE(back) << back.error().What();
  EXPECT_EQ(back->id, "c1");
  EXPECT_EQ(back->pid, 42);
  EXPECT_TRUE(back->exited);
  EXPECT_EQ(back->exit_code, 137);
  EXPECT_TRUE(back->oom_killed);
  EXPECT_EQ(back->finished_at, r.finished_at);
  (void)RemoveAll(tmpl);
}

TEST(ExitRecord, RejectsWrongTypes) {
  EXPECT_FALSE(ExitRecordFromJson(nlohmann::json::array()));
  EXPECT_FALSE(ExitRecordFromJson({{"id", 1}}));
}

TEST(ExitCodeOf, CodesAndSignals) {
  EXPECT_EQ(ExitCodeOf(3 << 8), 3);
  EXPECT_EQ(ExitCodeOf(15), 143);  // killed by SIGTERM
  EXPECT_EQ(ExitCodeOf(9), 137);
}

}  // namespace
}  // namespace berth::shim
